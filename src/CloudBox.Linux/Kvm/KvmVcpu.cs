using System.Runtime.InteropServices;
using CloudBox.Linux.Interop;
using CloudBox.Linux.Memory;

namespace CloudBox.Linux.Kvm;

/// <summary>A vCPU file descriptor and its shared kvm_run page.</summary>
public sealed unsafe class KvmVcpu : IDisposable
{
    private readonly FileDescriptor _fd;
    private readonly int _rawFd;
    private readonly MemoryMapping _run;

    internal KvmVcpu(FileDescriptor fd, uint id, int mmapSize)
    {
        _fd = fd;
        _rawFd = fd.Value;
        Id = id;
        _run = MemoryMapping.MapShared(fd, mmapSize);
    }

    public uint Id { get; }

    /// <summary>The kvm_run page; read fields with <see cref="KvmRunLayout"/> offsets.</summary>
    public byte* RunPage => _run.Pointer;

    /// <summary>KVM_RUN once. Returns false when interrupted by a signal (EINTR) or asked to exit immediately.</summary>
    public bool Run()
    {
        if (Libc.Ioctl(_rawFd, KvmIoctl.Run, 0UL) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EINTR || errno == Errno.EAGAIN) return false;
        throw new LinuxException("KVM_RUN", errno);
    }

    public KvmExitReason ExitReason => (KvmExitReason)(*(uint*)(RunPage + KvmRunLayout.ExitReason));

    /// <summary>Set to make the next KVM_RUN return at once (used to stop or pause a vCPU without losing a signal race).</summary>
    public bool ImmediateExit
    {
        get => Volatile.Read(ref RunPage[KvmRunLayout.ImmediateExit]) != 0;
        set => Volatile.Write(ref RunPage[KvmRunLayout.ImmediateExit], value ? (byte)1 : (byte)0);
    }

    public KvmRegs GetRegs()
    {
        KvmRegs regs;
        Check(Libc.Ioctl(_rawFd, KvmIoctl.GetRegs, &regs), "KVM_GET_REGS");
        return regs;
    }

    public void SetRegs(in KvmRegs regs)
    {
        fixed (KvmRegs* p = &regs) Check(Libc.Ioctl(_rawFd, KvmIoctl.SetRegs, p), "KVM_SET_REGS");
    }

    public KvmSregs GetSregs()
    {
        KvmSregs sregs;
        Check(Libc.Ioctl(_rawFd, KvmIoctl.GetSregs, &sregs), "KVM_GET_SREGS");
        return sregs;
    }

    public void SetSregs(in KvmSregs sregs)
    {
        fixed (KvmSregs* p = &sregs) Check(Libc.Ioctl(_rawFd, KvmIoctl.SetSregs, p), "KVM_SET_SREGS");
    }

    public KvmFpu GetFpu()
    {
        KvmFpu fpu;
        Check(Libc.Ioctl(_rawFd, KvmIoctl.GetFpu, &fpu), "KVM_GET_FPU");
        return fpu;
    }

    public void SetFpu(in KvmFpu fpu)
    {
        fixed (KvmFpu* p = &fpu) Check(Libc.Ioctl(_rawFd, KvmIoctl.SetFpu, p), "KVM_SET_FPU");
    }

    public KvmLapicState GetLapic()
    {
        KvmLapicState lapic;
        Check(Libc.Ioctl(_rawFd, KvmIoctl.GetLapic, &lapic), "KVM_GET_LAPIC");
        return lapic;
    }

    public void SetLapic(in KvmLapicState lapic)
    {
        fixed (KvmLapicState* p = &lapic) Check(Libc.Ioctl(_rawFd, KvmIoctl.SetLapic, p), "KVM_SET_LAPIC");
    }

    public void SetCpuid(ReadOnlySpan<KvmCpuidEntry> entries)
    {
        var size = 8 + entries.Length * sizeof(KvmCpuidEntry);
        var buffer = (byte*)NativeMemory.AllocZeroed((nuint)size);
        try
        {
            *(uint*)buffer = (uint)entries.Length;
            entries.CopyTo(new Span<KvmCpuidEntry>(buffer + 8, entries.Length));
            Check(Libc.Ioctl(_rawFd, KvmIoctl.SetCpuid2, buffer), "KVM_SET_CPUID2");
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    public void SetMsrs(ReadOnlySpan<KvmMsrEntry> msrs)
    {
        var size = 8 + msrs.Length * sizeof(KvmMsrEntry);
        var buffer = (byte*)NativeMemory.AllocZeroed((nuint)size);
        try
        {
            *(uint*)buffer = (uint)msrs.Length;
            msrs.CopyTo(new Span<KvmMsrEntry>(buffer + 8, msrs.Length));
            var written = Libc.Ioctl(_rawFd, KvmIoctl.SetMsrs, buffer);
            if (written < 0) throw LinuxException.FromLastError("KVM_SET_MSRS");
            if (written != msrs.Length) throw new InvalidOperationException($"KVM_SET_MSRS set {written} of {msrs.Length} MSRs (first refused: 0x{msrs[written].Index:x})");
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    public KvmMpState GetMpState()
    {
        uint state;
        Check(Libc.Ioctl(_rawFd, KvmIoctl.GetMpState, &state), "KVM_GET_MP_STATE");
        return (KvmMpState)state;
    }

    public void SetMpState(KvmMpState state)
    {
        var s = (uint)state;
        Check(Libc.Ioctl(_rawFd, KvmIoctl.SetMpState, &s), "KVM_SET_MP_STATE");
    }

    /// <summary>This vCPU's kernel-side statistics (exits handled in KVM, emulated instructions, page faults…).</summary>
    public KvmStatistics OpenStatistics() =>
        new(FileDescriptor.Check(Libc.Ioctl(_rawFd, KvmIoctl.GetStatsFd, 0UL), "KVM_GET_STATS_FD"));

    /// <summary>Translates a guest linear address through the vCPU's current page tables (KVM_TRANSLATE); null if unmapped.</summary>
    public ulong? Translate(ulong linearAddress)
    {
        var t = stackalloc byte[24];
        new Span<byte>(t, 24).Clear();
        *(ulong*)t = linearAddress;
        Check(Libc.Ioctl(_rawFd, KvmIoctl.Translate, t), "KVM_TRANSLATE");
        return t[16] != 0 ? *(ulong*)(t + 8) : null;
    }

    /// <summary>
    /// Queues a hardware exception for delivery at the next entry (KVM_SET_VCPU_EVENTS), keeping the other pending
    /// events as they are.
    /// </summary>
    public void InjectException(byte vector)
    {
        var events = stackalloc byte[64];
        Check(Libc.Ioctl(_rawFd, KvmIoctl.GetVcpuEvents, events), "KVM_GET_VCPU_EVENTS");
        events[0] = 1; // exception.injected
        events[1] = vector;
        events[2] = 0; // no error code
        events[3] = 0;
        *(uint*)(events + 4) = 0;
        *(uint*)(events + 28) = 0; // flags: leave NMI, SIPI and shadow state untouched
        Check(Libc.Ioctl(_rawFd, KvmIoctl.SetVcpuEvents, events), "KVM_SET_VCPU_EVENTS");
    }

    /// <summary>The guest TSC frequency in kHz.</summary>
    public int GetTscKhz() => Libc.Ioctl(_rawFd, KvmIoctl.GetTscKhz, 0UL);

    public void Dispose()
    {
        _run.Dispose();
        _fd.Dispose();
    }

    private static void Check(int result, string operation)
    {
        if (result < 0) throw LinuxException.FromLastError(operation);
    }
}
