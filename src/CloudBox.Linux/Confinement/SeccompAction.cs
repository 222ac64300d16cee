namespace CloudBox.Linux.Confinement;

/// <summary>What a seccomp filter answers for a system call (the kernel's SECCOMP_RET_* values).</summary>
public readonly record struct SeccompAction(uint Value)
{
    /// <summary>The whole process dies with SIGSYS: what a compromised thread gets for a call it has no business making.</summary>
    public static SeccompAction KillProcess => new(0x8000_0000);

    public static SeccompAction Allow => new(0x7FFF_0000);

    /// <summary>The call fails with <paramref name="errno"/> without running: for calls the runtime makes and copes with failing.</summary>
    public static SeccompAction Fail(int errno) => new(0x0005_0000 | ((uint)errno & 0xFFFF));
}
