using System.Runtime.InteropServices;

namespace CloudBox.Linux.Kvm;

/// <summary>struct kvm_msi: an MSI message injected directly with KVM_SIGNAL_MSI.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmMsi
{
    public uint AddressLow;
    public uint AddressHigh;
    public uint Data;
    public uint Flags;
    public uint DevId;
    public fixed byte Pad[12];
}
