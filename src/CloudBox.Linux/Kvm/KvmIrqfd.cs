using System.Runtime.InteropServices;

namespace CloudBox.Linux.Kvm;

/// <summary>struct kvm_irqfd: an eventfd that injects a GSI when written.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmIrqfd
{
    public const uint FlagDeassign = 1;

    public uint Fd;
    public uint Gsi;
    public uint Flags;
    public uint ResampleFd;
    public fixed byte Pad[16];
}
