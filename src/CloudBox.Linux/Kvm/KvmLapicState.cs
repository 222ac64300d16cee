using System.Runtime.InteropServices;

namespace CloudBox.Linux.Kvm;

/// <summary>struct kvm_lapic_state: the 1 KiB local APIC register page.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KvmLapicState
{
    public fixed byte Regs[1024];

    public uint Read(int offset)
    {
        fixed (byte* p = Regs) return *(uint*)(p + offset);
    }

    public void Write(int offset, uint value)
    {
        fixed (byte* p = Regs) *(uint*)(p + offset) = value;
    }
}
