using CloudBox.Hypervisor.Devices;
using CloudBox.Linux.Kvm;
using CloudBox.Linux.Threads;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>One vCPU thread: KVM_RUN in a loop, port and MMIO exits dispatched to the buses, stop and pause on request.</summary>
public sealed unsafe class Vcpu : IDisposable
{
    private readonly KvmVcpu _kvm;
    private readonly PortBus _ports;
    private readonly MmioBus _mmio;
    private readonly PowerControl _power;
    private readonly ExitCounters _counters;
    private readonly ManualResetEventSlim _resumed = new(true);
    private readonly ManualResetEventSlim _pausedAck = new(false);
    private Thread? _thread;
    private nuint _pthread; // 0 once the thread is past its loop: a finished thread's id must never be signalled
    private readonly object _kickGate = new();
    private volatile bool _stopRequested;
    private volatile bool _pauseRequested;
    private readonly GuestMemory _memory;

    public Vcpu(KvmVcpu kvm, GuestMemory memory, PortBus ports, MmioBus mmio, PowerControl power, ExitCounters counters)
    {
        _memory = memory;
        _kvm = kvm;
        _ports = ports;
        _mmio = mmio;
        _power = power;
        _counters = counters;
        try
        {
            // Opened now: like most vCPU ioctls it waits for the vCPU mutex, which KVM_RUN holds.
            Statistics = kvm.OpenStatistics();
        }
        catch (Exception error) when (error is Linux.LinuxException or InvalidOperationException)
        {
            Statistics = null;
        }
    }

    public KvmVcpu Kvm => _kvm;

    /// <summary>KVM's statistics of this vCPU; null when the kernel has none.</summary>
    public KvmStatistics? Statistics { get; }

    /// <summary>What ended the loop when it was not a stop request (internal error details).</summary>
    public string? FailureDetail { get; private set; }

    public void Start()
    {
        _thread = new Thread(Loop) { Name = $"vcpu{_kvm.Id}", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Asks the vCPU to leave KVM_RUN and end its thread.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        _resumed.Set();
        Kick();
    }

    public void Join() => _thread?.Join();

    /// <summary>Stops the vCPU between exits and waits until it has.</summary>
    public void Pause()
    {
        _pausedAck.Reset();
        _resumed.Reset();
        _pauseRequested = true;
        Kick();
        while (!_pausedAck.Wait(10))
        {
            if (_thread == null || !_thread.IsAlive) return;
            Kick();
        }
    }

    public void Resume()
    {
        _pauseRequested = false;
        _resumed.Set();
    }

    private void Kick()
    {
        _kvm.ImmediateExit = true;
        lock (_kickGate)
        {
            if (_pthread != 0) ThreadKicker.Kick(_pthread);
        }
    }

    private void Loop()
    {
        lock (_kickGate) _pthread = ThreadKicker.CurrentThread();
        Confinement.ThreadFilters.ApplyToCurrentThread(Confinement.ThreadFilters.Vcpu);
        var run = _kvm.RunPage;
        try
        {
            // A power request (reset, power off, fault) ends the machine at once: the guest would otherwise go on, and
            // Linux, its reset not taken yet, tries the next way down to a real-mode jump to a BIOS there is not.
            while (!_stopRequested && _power.Request == PowerRequest.None)
            {
                if (_pauseRequested)
                {
                    _kvm.ImmediateExit = false;
                    _pausedAck.Set();
                    _resumed.Wait();
                    continue;
                }
                if (!_kvm.Run())
                {
                    _kvm.ImmediateExit = false;
                    continue;
                }
                var reason = (KvmExitReason)(*(uint*)(run + KvmRunLayout.ExitReason));
                _counters.Count(reason);
                switch (reason)
                {
                    case KvmExitReason.Io:
                        HandleIo(run);
                        break;
                    case KvmExitReason.Mmio:
                        HandleMmio(run);
                        break;
                    case KvmExitReason.Intr:
                    case KvmExitReason.IrqWindowOpen:
                    case KvmExitReason.Hlt:
                        break;
                    case KvmExitReason.Shutdown:
                        FailureDetail = "triple fault";
                        _power.Set(PowerRequest.TripleFault);
                        return;
                    case KvmExitReason.SystemEvent:
                        HandleSystemEvent(run);
                        return;
                    case KvmExitReason.InternalError when RetryAfterEmulationFailure(run):
                        break;
                    case KvmExitReason.InternalError:
                        FailureDetail = $"KVM internal error, suberror {*(uint*)(run + KvmRunLayout.InternalSuberror)}, {DescribeRegisters()}, instruction bytes {InstructionBytes()}";
                        _power.Set(PowerRequest.InternalError);
                        return;
                    case KvmExitReason.FailEntry:
                        FailureDetail = $"VM entry failed, hardware reason 0x{*(ulong*)(run + KvmRunLayout.FailEntryReason):x}";
                        _power.Set(PowerRequest.InternalError);
                        return;
                    default:
                        FailureDetail = $"unhandled KVM exit {reason}, {DescribeRegisters()}";
                        _power.Set(PowerRequest.InternalError);
                        return;
                }
            }
        }
        catch (Exception error)
        {
            FailureDetail = $"vcpu{_kvm.Id}: {error.Message}";
            _power.Set(PowerRequest.Crash);
        }
        finally
        {
            lock (_kickGate) _pthread = 0;
        }
    }

    /// <summary>
    /// An emulation failure (suberror 1) on an instruction <see cref="EmulationFallback"/> can complete: do it here
    /// and re-enter. The vCPU state is intact, with rip on the instruction.
    /// </summary>
    private bool RetryAfterEmulationFailure(byte* run)
    {
        const uint emulationSuberror = 1;
        if (*(uint*)(run + KvmRunLayout.InternalSuberror) != emulationSuberror) return false;
        var regs = _kvm.GetRegs();
        var physical = _kvm.Translate(regs.Rip);
        if (physical == null) return false;
        var page = 4096 - (int)(physical.Value & 0xFFF); // do not read across a page: the next may map elsewhere
        var length = Math.Min(15, page);
        var code = _memory.TryTranslate(physical.Value, (ulong)length);
        if (code == null) return false;
        var bytes = new ReadOnlySpan<byte>(code, length);
        if (EmulationFallback.TryDecodeLdmxcsr(regs, bytes, out var operand, out var instructionLength))
        {
            var operandPhysical = _kvm.Translate(operand);
            var value = operandPhysical == null ? null : _memory.TryTranslate(operandPhysical.Value, 4);
            if (value == null) return false;
            var fpu = _kvm.GetFpu();
            fpu.Mxcsr = *(uint*)value;
            _kvm.SetFpu(fpu);
            regs.Rip += (ulong)instructionLength;
            _kvm.SetRegs(regs);
            EmulationRetries++;
            return true;
        }
        if (EmulationFallback.IsXmmMove(bytes))
        {
            var fpu = _kvm.GetFpu();
            if (!EmulationFallback.TryCompleteXmmMove(ref regs, ref fpu, bytes)) return false;
            _kvm.SetFpu(fpu);
            _kvm.SetRegs(regs);
            EmulationRetries++;
            return true;
        }
        if (!EmulationFallback.TryComplete(ref regs, bytes, out var exception)) return false;
        _kvm.SetRegs(regs);
        if (exception != null) _kvm.InjectException(exception.Value);
        EmulationRetries++;
        return true;
    }

    /// <summary>Emulation failures completed by <see cref="EmulationFallback"/>.</summary>
    public long EmulationRetries { get; private set; }

    private void HandleIo(byte* run)
    {
        var direction = run[KvmRunLayout.IoDirection];
        var size = run[KvmRunLayout.IoSize];
        var port = *(ushort*)(run + KvmRunLayout.IoPort);
        var count = *(uint*)(run + KvmRunLayout.IoCount);
        var data = run + *(ulong*)(run + KvmRunLayout.IoDataOffset);
        _counters.CountPort(port);
        for (uint i = 0; i < count; i++)
        {
            var item = new Span<byte>(data + i * size, size);
            if (direction == KvmRunLayout.IoDirectionOut) _ports.Write(port, item);
            else _ports.Read(port, item);
        }
    }

    private void HandleMmio(byte* run)
    {
        var address = *(ulong*)(run + KvmRunLayout.MmioPhysAddr);
        var length = (int)Math.Min(*(uint*)(run + KvmRunLayout.MmioLen), 8u);
        var data = new Span<byte>(run + KvmRunLayout.MmioData, length);
        _counters.CountMmio(address);
        if (run[KvmRunLayout.MmioIsWrite] != 0) _mmio.Write(address, data);
        else _mmio.Read(address, data);
    }

    private void HandleSystemEvent(byte* run)
    {
        var type = *(uint*)(run + KvmRunLayout.SystemEventType);
        switch (type)
        {
            case KvmRunLayout.SystemEventShutdown: _power.PowerOff(); break;
            case KvmRunLayout.SystemEventReset: _power.Reset(); break;
            default:
                FailureDetail = $"guest crash event {type}";
                _power.Set(PowerRequest.Crash);
                break;
        }
    }

    /// <summary>The bytes at the guest's rip, to name the instruction KVM could not emulate.</summary>
    private string InstructionBytes()
    {
        try
        {
            var physical = _kvm.Translate(_kvm.GetRegs().Rip);
            if (physical == null) return "unmapped";
            var p = _memory.TryTranslate(physical.Value, 8);
            return p == null ? "not in RAM" : Convert.ToHexString(new ReadOnlySpan<byte>(p, 8)).ToLowerInvariant();
        }
        catch (Exception error) when (error is Linux.LinuxException)
        {
            return "unavailable";
        }
    }

    private string DescribeRegisters()
    {
        try
        {
            var r = _kvm.GetRegs();
            return $"rip=0x{r.Rip:x} rsp=0x{r.Rsp:x} rflags=0x{r.Rflags:x}";
        }
        catch (Exception)
        {
            return "registers unavailable";
        }
    }

    public void Dispose()
    {
        Statistics?.Dispose();
        _kvm.Dispose();
        _resumed.Dispose();
        _pausedAck.Dispose();
    }
}
