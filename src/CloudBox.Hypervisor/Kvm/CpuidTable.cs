using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>Builds one vCPU's CPUID from what KVM supports: its APIC id, the hypervisor bit, the TSC-deadline timer.</summary>
public static class CpuidTable
{
    private const uint HypervisorBit = 1u << 31;
    private const uint TscDeadlineBit = 1u << 24;
    private const uint HyperThreadingBit = 1u << 28;
    private const uint ArchCapabilitiesBit = 1u << 29;

    public static KvmCpuidEntry[] ForVcpu(KvmCpuidEntry[] supported, uint apicId, uint vcpuCount, bool tscDeadline)
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
                    break;
                case 7 when e.Index == 0:
                    // The nested host refuses guest reads of IA32_ARCH_CAPABILITIES (QEMU needs -arch-capabilities here too).
                    e.Edx &= ~ArchCapabilitiesBit;
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
