using CloudBox.Hypervisor.Kvm;
using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class EmulationFallbackTests
{
    [Test]
    public unsafe void Movd_into_xmm15_from_ecx_zero_extends_the_whole_register()
    {
        // movd xmm15, ecx: 66 44 0F 6E F9 (the gap the Debian kernel hit in a kernel_fpu_begin section)
        byte[] code = [0x66, 0x44, 0x0F, 0x6E, 0xF9];
        var regs = new KvmRegs { Rip = 0x3000, Rcx = 0xAAAA_BBBB_1234_5678 };
        var fpu = new KvmFpu();
        for (var b = 0; b < 256; b++) fpu.Xmm[b] = 0xEE;
        Assert.That(EmulationFallback.IsXmmMove(code), Is.True);
        Assert.That(EmulationFallback.TryCompleteXmmMove(ref regs, ref fpu, code), Is.True);
        Assert.That(regs.Rip, Is.EqualTo(0x3005));
        var xmm15 = new byte[16];
        for (var b = 0; b < 16; b++) xmm15[b] = fpu.Xmm[15 * 16 + b];
        Assert.That(xmm15, Is.EqualTo(new byte[] { 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.That(fpu.Xmm[14 * 16], Is.EqualTo(0xEE), "other registers untouched");
    }

    [Test]
    public unsafe void Movq_from_xmm2_to_r10_copies_the_low_quadword()
    {
        // movq r10, xmm2: 66 49 0F 7E D2
        byte[] code = [0x66, 0x49, 0x0F, 0x7E, 0xD2];
        var regs = new KvmRegs { Rip = 0x3000, R10 = 1 };
        var fpu = new KvmFpu();
        for (var b = 0; b < 16; b++) fpu.Xmm[2 * 16 + b] = (byte)(b + 1);
        Assert.That(EmulationFallback.TryCompleteXmmMove(ref regs, ref fpu, code), Is.True);
        Assert.That(regs.R10, Is.EqualTo(0x0807_0605_0403_0201UL));
        Assert.That(regs.Rip, Is.EqualTo(0x3005));
    }

    [Test]
    public void Xmm_moves_with_a_memory_operand_are_left_alone()
    {
        // movd xmm0, [rax]: 66 0F 6E 00
        Assert.That(EmulationFallback.IsXmmMove([0x66, 0x0F, 0x6E, 0x00]), Is.False);
        Assert.That(EmulationFallback.IsXmmMove([0x0F, 0x6E, 0xC1]), Is.False, "no 66 prefix: an MMX register, not XMM");
    }

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
