using System.Runtime.InteropServices;

namespace CloudBox.Linux.Kvm;

/// <summary>struct kvm_cpuid_entry2: one CPUID leaf/subleaf and its four result registers.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmCpuidEntry
{
    public uint Function;
    public uint Index;
    public uint Flags;
    public uint Eax, Ebx, Ecx, Edx;
    public uint Padding0, Padding1, Padding2;
}
