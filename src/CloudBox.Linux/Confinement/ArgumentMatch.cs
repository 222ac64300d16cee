namespace CloudBox.Linux.Confinement;

/// <summary>
/// A condition on the low 32 bits of one system call argument: <c>(arg &amp; Mask) == Value</c>. The low half is what
/// counts for the arguments filtered here (an ioctl's request is an unsigned int in the kernel; socket domains,
/// clone flags and thread-group ids fit in it).
/// </summary>
public readonly record struct ArgumentMatch(int Index, uint Mask, uint Value)
{
    public static ArgumentMatch Equal(int index, uint value) => new(index, 0xFFFF_FFFF, value);

    /// <summary>An ioctl request of one type (the "magic" byte: 0xAE for KVM, 'T' for tun and terminals).</summary>
    public static ArgumentMatch IoctlType(byte type) => new(1, 0xFF00, (uint)type << 8);

    /// <summary>None of the bits in <paramref name="bits"/> is set.</summary>
    public static ArgumentMatch Clear(int index, uint bits) => new(index, bits, 0);
}
