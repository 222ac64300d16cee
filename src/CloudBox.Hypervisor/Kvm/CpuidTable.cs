using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>
/// Builds one vCPU's CPUID from what KVM supports: its APIC id, the hypervisor bit, the TSC-deadline timer; and, on a
/// software-assisted KVM, without the instructions its emulator cannot run.
/// </summary>
public static class CpuidTable
{
    /// <summary>
    /// Whether this host's KVM is software-assisted (PVM: no VMX/SVM, the guest kernel's ring 0 runs through KVM's
    /// instruction emulator), which supports less than KVM reports.
    /// </summary>
    public static bool HostIsSoftwareAssisted { get; } = Directory.Exists("/sys/module/kvm_pvm");

    // Leaf 1 ECX: what PVM's emulator cannot execute (cmpxchg16b, SSSE3/SSE4, POPCNT, AES-NI, PCLMULQDQ), and XSAVE
    // with everything that needs it (OSXSAVE, AVX, FMA, F16C): a stock kernel's first cmpxchg16b or SSE helper stops
    // with a KVM internal error otherwise, before its console is up.
    private const uint EmulatorMissingLeaf1Ecx = (1u << 1) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 19) | (1u << 20)
        | (1u << 23) | (1u << 25) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29);

    // Leaf 7 EBX: FSGSBASE, AVX2, ERMS, INVPCID, the AVX-512 family, SMAP, SHA.
    private const uint EmulatorMissingLeaf7Ebx = (1u << 0) | (1u << 5) | (1u << 9) | (1u << 10) | (1u << 16) | (1u << 17)
        | (1u << 20) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 30) | (1u << 31);

    // Leaf 7 EDX: FSRM goes with ERMS (with only ERMS cleared, Linux's memmove takes a short-copy path with no fallback).
    private const uint EmulatorMissingLeaf7Edx = 1u << 4;

    /// <summary>The table for a vCPU on this host (see <see cref="HostIsSoftwareAssisted"/>).</summary>
    public static KvmCpuidEntry[] ForVcpu(KvmCpuidEntry[] supported, uint apicId, uint vcpuCount, bool tscDeadline) =>
        ForVcpu(supported, apicId, vcpuCount, tscDeadline, HostIsSoftwareAssisted);

    private const uint HypervisorBit = 1u << 31;
    private const uint TscDeadlineBit = 1u << 24;
    private const uint HyperThreadingBit = 1u << 28;
    private const uint ArchCapabilitiesBit = 1u << 29;

    public static KvmCpuidEntry[] ForVcpu(KvmCpuidEntry[] supported, uint apicId, uint vcpuCount, bool tscDeadline, bool softwareAssisted)
    {
        var entries = (KvmCpuidEntry[])supported.Clone();
        for (var i = 0; i < entries.Length; i++)
        {
            ref var e = ref entries[i];
            switch (e.Function)
            {
                case 1:
                    e.Ebx = (e.Ebx & 0x0000FFFF) | (apicId << 24) | (Math.Min(vcpuCount, 255) << 16);
                    e.Ecx |= HypervisorBit;
                    if (tscDeadline) e.Ecx |= TscDeadlineBit;
                    if (vcpuCount > 1) e.Edx |= HyperThreadingBit; else e.Edx &= ~HyperThreadingBit;
                    if (softwareAssisted) e.Ecx &= ~EmulatorMissingLeaf1Ecx;
                    break;
                case 7 when e.Index == 0:
                    // The nested host refuses guest reads of IA32_ARCH_CAPABILITIES (QEMU needs -arch-capabilities here too).
                    e.Edx &= ~ArchCapabilitiesBit;
                    if (softwareAssisted)
                    {
                        e.Ebx &= ~EmulatorMissingLeaf7Ebx;
                        e.Edx &= ~EmulatorMissingLeaf7Edx;
                    }
                    break;
                case 0xB:
                case 0x1F:
                    e.Edx = apicId;
                    break;
            }
        }
        return entries;
    }
}
