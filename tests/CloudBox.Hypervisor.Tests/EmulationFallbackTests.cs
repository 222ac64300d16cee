using CloudBox.Hypervisor.Kvm;
using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class EmulationFallbackTests
{
    [Test]
    public void Int3_advances_past_itself_and_asks_for_a_breakpoint_trap()
    {
        var regs = new KvmRegs { Rip = 0x1000 };
        Assert.That(EmulationFallback.TryComplete(ref regs, [0xCC, 0x90], out var exception), Is.True);
        Assert.That(regs.Rip, Is.EqualTo(0x1001));
        Assert.That(exception, Is.EqualTo((byte)3));
    }

    [Test]
    public void Fwait_is_a_one_byte_no_op()
    {
        var regs = new KvmRegs { Rip = 0x1000, Rax = 5 };
        Assert.That(EmulationFallback.TryComplete(ref regs, [0x9B], out var exception), Is.True);
        Assert.That((regs.Rip, regs.Rax, exception), Is.EqualTo((0x1001UL, 5UL, (byte?)null)));
    }

    [Test]
    public void Popcnt_64_bit_between_extended_registers()
    {
        // popcnt r9, r14: F3 4D 0F B8 CE
        var regs = new KvmRegs { Rip = 0x2000, R14 = 0xF0F0_0000_0000_0003, R9 = 99, Rflags = 0x2 | 0x1 };
        Assert.That(EmulationFallback.TryComplete(ref regs, [0xF3, 0x4D, 0x0F, 0xB8, 0xCE], out _), Is.True);
        Assert.That(regs.R9, Is.EqualTo(10));
        Assert.That(regs.Rip, Is.EqualTo(0x2005));
        Assert.That(regs.Rflags, Is.EqualTo(0x2UL), "carry cleared, zero clear for a non-zero source");
    }

    [Test]
    public void Popcnt_32_bit_counts_the_low_half_zero_extends_and_sets_zf_for_zero()
    {
        // popcnt eax, edi: F3 0F B8 C7
        var regs = new KvmRegs { Rip = 0, Rdi = 0xFFFF_FFFF_0000_0000, Rax = ulong.MaxValue, Rflags = 0x2 };
        Assert.That(EmulationFallback.TryComplete(ref regs, [0xF3, 0x0F, 0xB8, 0xC7], out _), Is.True);
        Assert.That(regs.Rax, Is.Zero);
        Assert.That(regs.Rflags & 0x40, Is.EqualTo(0x40UL));
        Assert.That(regs.Rip, Is.EqualTo(4));
    }

    [Test]
    public void Unknown_instructions_and_memory_operands_are_not_guessed()
    {
        var regs = new KvmRegs { Rip = 0x3000 };
        Assert.That(EmulationFallback.TryComplete(ref regs, [0x0F, 0xAE, 0x2F], out _), Is.False, "xrstor");
        Assert.That(EmulationFallback.TryComplete(ref regs, [0xF3, 0x48, 0x0F, 0xB8, 0x07], out _), Is.False, "popcnt rax, [rdi]");
        Assert.That(regs.Rip, Is.EqualTo(0x3000));
    }

    [Test]
    public void Ldmxcsr_operand_address_is_decoded_for_the_stack_relative_form_the_kernel_uses()
    {
        // ldmxcsr [rsp+4]: 0F AE 54 24 04
        var regs = new KvmRegs { Rsp = 0xFFFF_C900_0000_BD80 };
        Assert.That(EmulationFallback.TryDecodeLdmxcsr(regs, [0x0F, 0xAE, 0x54, 0x24, 0x04, 0x83], out var address, out var length), Is.True);
        Assert.That(address, Is.EqualTo(0xFFFF_C900_0000_BD84));
        Assert.That(length, Is.EqualTo(5));
    }

    [Test]
    public void Ldmxcsr_rip_relative_and_register_forms_decode_and_other_group_15_instructions_do_not()
    {
        var regs = new KvmRegs { Rip = 0x1000, Rdi = 0x5000 };
        Assert.That(EmulationFallback.TryDecodeLdmxcsr(regs, [0x0F, 0xAE, 0x15, 0x10, 0x00, 0x00, 0x00], out var address, out var length), Is.True);
        Assert.That((address, length), Is.EqualTo((0x1000UL + 7 + 0x10, 7)));
        Assert.That(EmulationFallback.TryDecodeLdmxcsr(regs, [0x0F, 0xAE, 0x17], out address, out length), Is.True);
        Assert.That((address, length), Is.EqualTo((0x5000UL, 3)));
        Assert.That(EmulationFallback.TryDecodeLdmxcsr(regs, [0x0F, 0xAE, 0x2F], out _, out _), Is.False, "xrstor is /5");
    }
}
