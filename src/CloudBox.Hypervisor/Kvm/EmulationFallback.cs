using System.Numerics;
using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>
/// Completes, in userspace, the few instructions KVM's instruction emulator gives up on. This matters on a
/// software-assisted KVM (PVM, on hosts without VMX/SVM), which runs an unmodified guest kernel through that
/// emulator: INT3 outside real mode (the kernel's alternatives self-test, kprobes), FWAIT, POPCNT between
/// registers, LDMXCSR, and MOVD/MOVQ between a general register and an XMM register (SSE code the kernel runs
/// between kernel_fpu_begin and kernel_fpu_end). Anything else is left to fail loudly.
/// </summary>
public static unsafe class EmulationFallback
{
    private const byte Int3 = 0xCC;
    private const byte Fwait = 0x9B;
    private const byte BreakpointVector = 3;
    private const ulong ZeroFlag = 1 << 6;
    private const ulong ArithmeticFlags = 0x8D5; // CF, PF, AF, ZF, SF, OF

    /// <summary>
    /// LDMXCSR m32 (0F AE /2, what kernel_fpu_begin runs): the effective address of its memory operand, and the
    /// instruction length, so the caller can read the value, load MXCSR and step over it. False if it is not LDMXCSR.
    /// </summary>
    public static bool TryDecodeLdmxcsr(in KvmRegs regs, ReadOnlySpan<byte> code, out ulong address, out int length)
    {
        address = 0;
        length = 0;
        var copy = regs; // Register() hands out refs; this method only reads
        var i = 0;
        byte rex = 0;
        if (code.Length > i && (code[i] & 0xF0) == 0x40) rex = code[i++];
        if (code.Length < i + 3 || code[i] != 0x0F || code[i + 1] != 0xAE || ((code[i + 2] >> 3) & 7) != 2 || code[i + 2] >> 6 == 3) return false;
        var modrm = code[i + 2];
        i += 3;
        var mod = modrm >> 6;
        var rm = modrm & 7;
        if (rm == 4)
        {
            if (code.Length <= i) return false;
            var sib = code[i++];
            var scale = sib >> 6;
            var index = ((sib >> 3) & 7) | ((rex & 0x2) << 2);
            var sibBase = (sib & 7) | ((rex & 0x1) << 3);
            if (index != 4) address += Register(ref copy, index) << scale;
            if ((sib & 7) == 5 && mod == 0)
            {
                if (code.Length < i + 4) return false;
                address += (ulong)(long)BitConverter.ToInt32(code[i..]);
                i += 4;
            }
            else address += Register(ref copy, sibBase);
        }
        else if (rm == 5 && mod == 0)
        {
            if (code.Length < i + 4) return false;
            var displacement = (long)BitConverter.ToInt32(code[i..]);
            i += 4;
            address = (ulong)((long)regs.Rip + i + displacement); // rip-relative, from the next instruction
            length = i;
            return true;
        }
        else address = Register(ref copy, rm | ((rex & 0x1) << 3));
        if (mod == 1)
        {
            if (code.Length <= i) return false;
            address += (ulong)(long)(sbyte)code[i++];
        }
        else if (mod == 2)
        {
            if (code.Length < i + 4) return false;
            address += (ulong)(long)BitConverter.ToInt32(code[i..]);
            i += 4;
        }
        length = i;
        return true;
    }

    /// <summary>
    /// Whether the bytes are MOVD/MOVQ between a general register and an XMM register (66 [REX] 0F 6E/7E with a
    /// register operand), the instructions <see cref="TryCompleteXmmMove"/> completes. Cheap: lets the caller fetch
    /// the FPU state only when it will be needed.
    /// </summary>
    public static bool IsXmmMove(ReadOnlySpan<byte> code) => DecodeXmmMove(code, out _, out _, out _, out _, out _);

    /// <summary>
    /// MOVD/MOVQ xmm, r32/r64 (66 [REX] 0F 6E /r: the XMM register gets the value zero-extended to 128 bits) and
    /// MOVD/MOVQ r32/r64, xmm (66 [REX] 0F 7E /r: the low 32 or 64 bits, a 32-bit write zero-extending the
    /// register); rip steps over the instruction. Memory operands are not handled.
    /// </summary>
    public static bool TryCompleteXmmMove(ref KvmRegs regs, ref KvmFpu fpu, ReadOnlySpan<byte> code)
    {
        if (!DecodeXmmMove(code, out var toXmm, out var xmm, out var gpr, out var wide, out var length)) return false;
        fixed (byte* xmmBytes = fpu.Xmm)
        {
            var lanes = (ulong*)(xmmBytes + xmm * 16);
            ref var register = ref Register(ref regs, gpr);
            if (toXmm)
            {
                lanes[0] = wide ? register : register & 0xFFFFFFFF;
                lanes[1] = 0;
            }
            else register = wide ? lanes[0] : lanes[0] & 0xFFFFFFFF;
        }
        regs.Rip += (ulong)length;
        return true;
    }

    private static bool DecodeXmmMove(ReadOnlySpan<byte> code, out bool toXmm, out int xmm, out int gpr, out bool wide, out int length)
    {
        toXmm = false;
        xmm = gpr = length = 0;
        wide = false;
        var i = 0;
        if (code.Length <= i || code[i] != 0x66) return false;
        i++;
        byte rex = 0;
        if (code.Length > i && (code[i] & 0xF0) == 0x40) rex = code[i++];
        if (code.Length < i + 3 || code[i] != 0x0F || (code[i + 1] != 0x6E && code[i + 1] != 0x7E)) return false;
        var modrm = code[i + 2];
        if (modrm >> 6 != 3) return false; // memory operand: not handled
        toXmm = code[i + 1] == 0x6E;
        xmm = ((modrm >> 3) & 7) | ((rex & 0x4) << 1);
        gpr = (modrm & 7) | ((rex & 0x1) << 3);
        wide = (rex & 0x8) != 0;
        length = i + 3;
        return true;
    }

    /// <summary>Completes the instruction in <paramref name="code"/> (bytes at rip); false if it is not one we know.</summary>
    public static bool TryComplete(ref KvmRegs regs, ReadOnlySpan<byte> code, out byte? injectException)
    {
        injectException = null;
        if (code.IsEmpty) return false;
        switch (code[0])
        {
            case Int3:
                // A trap: the guest's handler sees rip after the instruction.
                regs.Rip += 1;
                injectException = BreakpointVector;
                return true;
            case Fwait:
                // Nothing is pending in the x87 unit of a kernel that only uses FXSAVE-managed state here.
                regs.Rip += 1;
                return true;
        }
        return TryPopcnt(ref regs, code);
    }

    /// <summary>[66] F3 [REX] 0F B8 /r with a register source.</summary>
    private static bool TryPopcnt(ref KvmRegs regs, ReadOnlySpan<byte> code)
    {
        var i = 0;
        var operandSize16 = false;
        if (code.Length > i && code[i] == 0x66) { operandSize16 = true; i++; }
        if (code.Length <= i || code[i] != 0xF3) return false;
        i++;
        byte rex = 0;
        if (code.Length > i && (code[i] & 0xF0) == 0x40) rex = code[i++];
        if (code.Length < i + 3 || code[i] != 0x0F || code[i + 1] != 0xB8) return false;
        var modrm = code[i + 2];
        if (modrm >> 6 != 3) return false; // memory source: not handled
        var destination = ((modrm >> 3) & 7) | ((rex & 0x4) << 1);
        var source = (modrm & 7) | ((rex & 0x1) << 3);
        var value = Register(ref regs, source);
        var wide = (rex & 0x8) != 0;
        value = wide ? value : operandSize16 ? value & 0xFFFF : value & 0xFFFFFFFF;
        var count = (ulong)BitOperations.PopCount(value);
        ref var target = ref Register(ref regs, destination);
        target = operandSize16 && !wide ? (target & ~0xFFFFUL) | count : count; // 32-bit writes zero-extend
        regs.Rflags = (regs.Rflags & ~ArithmeticFlags) | (value == 0 ? ZeroFlag : 0);
        regs.Rip += (ulong)(i + 3);
        return true;
    }

    private static ref ulong Register(ref KvmRegs regs, int index)
    {
        switch (index)
        {
            case 0: return ref regs.Rax;
            case 1: return ref regs.Rcx;
            case 2: return ref regs.Rdx;
            case 3: return ref regs.Rbx;
            case 4: return ref regs.Rsp;
            case 5: return ref regs.Rbp;
            case 6: return ref regs.Rsi;
            case 7: return ref regs.Rdi;
            case 8: return ref regs.R8;
            case 9: return ref regs.R9;
            case 10: return ref regs.R10;
            case 11: return ref regs.R11;
            case 12: return ref regs.R12;
            case 13: return ref regs.R13;
            case 14: return ref regs.R14;
            default: return ref regs.R15;
        }
    }
}
