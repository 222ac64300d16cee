using CloudBox.Hypervisor.Kvm;
using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class CpuidTableTests
{
    private static readonly KvmCpuidEntry[] Supported =
    [
        new() { Function = 1, Ecx = uint.MaxValue, Edx = uint.MaxValue, Ebx = 0x0000ABCD },
        new() { Function = 7, Index = 0, Ebx = uint.MaxValue, Ecx = uint.MaxValue, Edx = uint.MaxValue },
    ];

    [Test]
    public void On_a_software_assisted_KVM_the_guest_is_not_offered_what_the_emulator_cannot_run()
    {
        var table = CpuidTable.ForVcpu(Supported, apicId: 0, vcpuCount: 1, tscDeadline: true, softwareAssisted: true);
        var leaf1 = table[0];
        var leaf7 = table[1];
        Assert.Multiple(() =>
        {
            Assert.That(leaf1.Ecx & (1u << 13), Is.Zero, "cmpxchg16b (the Debian kernel's first stop)");
            Assert.That(leaf1.Ecx & (1u << 26), Is.Zero, "xsave");
            Assert.That(leaf1.Ecx & (1u << 20), Is.Zero, "sse4.2");
            Assert.That(leaf1.Ecx & (1u << 31), Is.Not.Zero, "still says it runs under a hypervisor");
            Assert.That(leaf1.Ecx & 1u, Is.Not.Zero, "sse3 is kept");
            Assert.That(leaf7.Ebx & (1u << 9), Is.Zero, "erms");
            Assert.That(leaf7.Edx & (1u << 4), Is.Zero, "fsrm goes with erms");
            Assert.That(leaf7.Ebx & (1u << 20), Is.Zero, "smap");
            Assert.That(leaf7.Ebx & (1u << 3), Is.Not.Zero, "bmi1 is kept");
        });
    }

    [Test]
    public void On_hardware_KVM_the_guest_gets_what_KVM_supports()
    {
        var table = CpuidTable.ForVcpu(Supported, apicId: 3, vcpuCount: 4, tscDeadline: true, softwareAssisted: false);
        Assert.Multiple(() =>
        {
            Assert.That(table[0].Ecx, Is.EqualTo(uint.MaxValue));
            Assert.That(table[0].Ebx >> 24, Is.EqualTo(3u), "the APIC id");
            Assert.That(table[1].Ebx, Is.EqualTo(uint.MaxValue));
            Assert.That(table[1].Edx & (1u << 29), Is.Zero, "IA32_ARCH_CAPABILITIES is never offered");
        });
    }
}
