using System.Runtime.InteropServices;

namespace CloudBox.Linux.Kvm;

/// <summary>struct kvm_irq_routing_entry (48 bytes); the union is written as eight words.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmIrqRoutingEntry
{
    public const uint TypeIrqchip = 1;
    public const uint TypeMsi = 2;

    public uint Gsi;
    public uint Type;
    public uint Flags;
    public uint Pad;
    public fixed uint U[8];
}
