using System.Runtime.InteropServices;

namespace CloudBox.Linux.Kvm;

/// <summary>struct kvm_ioeventfd: a guest write to an address that KVM turns into an eventfd signal, without an exit to us.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmIoeventfd
{
    public const uint FlagDatamatch = 1;
    public const uint FlagPio = 2;
    public const uint FlagDeassign = 4;

    public ulong Datamatch;
    public ulong Addr;
    public uint Len;
    public int Fd;
    public uint Flags;
    public fixed byte Pad[36];
}
