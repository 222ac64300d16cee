using CloudBox.Hypervisor.Boot;
using CloudBox.Hypervisor.Configuration;
using CloudBox.Hypervisor.Devices;
using CloudBox.Hypervisor.Devices.Legacy;
using CloudBox.Hypervisor.Hotplug;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor;

/// <summary>
/// Runs one VM across its reboots: builds a fresh <see cref="VirtualMachine"/> per boot, waits for the guest to stop,
/// and maps why it stopped to the process exit code. The control API acts on the current boot through it.
/// </summary>
public sealed class VmmHost : IDisposable
{
    private readonly IBootImage _image;
    private readonly ConsoleSink _console;
    private readonly TextWriter _errors;
    private readonly object _gate = new();
    private VirtualMachine? _current;
    private bool _hostReboot;
    private bool _killed;

    public VmmHost(VmConfig config, IBootImage image, ConsoleSink console, TextWriter errors)
    {
        Config = config;
        config.Uuid ??= Guid.NewGuid().ToString(); // the same system UUID across reboots
        for (var i = 0; i < config.Disks.Count; i++) config.Disks[i].Id ??= $"disk{i}";
        foreach (var net in config.Nets) net.Id ??= net.Tap;
        EjectTimeout = TimeSpan.FromSeconds(config.EjectTimeoutSeconds);
        _image = image;
        _console = console;
        _errors = errors;
    }

    public VmConfig Config { get; }

    /// <summary>The guest's serial output for attached control-API readers (<c>GET /vm/serial</c>), across reboots.</summary>
    public SerialFanout SerialOutput { get; } = new();

    /// <summary>Exit counters over all boots of this process.</summary>
    public ExitCounters Counters { get; } = new();

    public int Boots { get; private set; }

    /// <summary>How long an unplug waits for the guest to release the device before taking it out anyway.</summary>
    public TimeSpan EjectTimeout { get; set; }

    public DateTime StartedAt { get; } = DateTime.UtcNow;

    /// <summary>Raised with the first boot's machine once it is built (tests and the control API wait for it).</summary>
    public event Action<VirtualMachine>? MachineStarted;

    public VirtualMachine? Current
    {
        get { lock (_gate) return _current; }
    }

    private void ConsoleOutput(byte value)
    {
        _console.Write(value);
        SerialOutput.Write(value);
    }

    /// <summary>Builds the machine for the first boot; setup errors surface here, before the guest runs.</summary>
    public VirtualMachine Prepare() => Build();

    /// <summary>Runs boots until one ends the process; returns its exit code.</summary>
    public VmmExitCode Run(VirtualMachine first)
    {
        var vm = first;
        while (true)
        {
            lock (_gate)
            {
                if (_killed)
                {
                    _current = null;
                    vm.Dispose();
                    return VmmExitCode.Killed;
                }
            }
            Boots++;
            vm.Start();
            MachineStarted?.Invoke(vm);
            var request = vm.WaitForExit();
            _console.Flush();
            var detail = vm.FailureDetail;
            var lastLines = vm.Serial.Log.LastLines(10);
            bool hostReboot;
            lock (_gate)
            {
                _current = null;
                hostReboot = _hostReboot;
                _hostReboot = false;
            }
            vm.Dispose();
            switch (request)
            {
                case PowerRequest.PowerOff:
                    return VmmExitCode.PowerOff;
                case PowerRequest.Kill:
                    return VmmExitCode.Killed;
                case PowerRequest.Reset when _killed:
                    return VmmExitCode.Killed;
                case PowerRequest.Reset when Config.NoReboot && !hostReboot:
                    return VmmExitCode.Reboot;
                case PowerRequest.Reset:
                    vm = Build();
                    continue;
                case PowerRequest.TripleFault:
                    Report("guest triple fault", detail, lastLines);
                    return VmmExitCode.TripleFault;
                case PowerRequest.InternalError:
                    Report("KVM internal error", detail, lastLines);
                    return VmmExitCode.KvmInternalError;
                default:
                    Report("guest crashed", detail, lastLines);
                    return VmmExitCode.Crashed;
            }
        }
    }

    public bool Pause() => Act(vm => vm.Pause());

    public bool Resume() => Act(vm => vm.Resume());

    /// <summary>Presses the ACPI power button; the guest decides to power off.</summary>
    public bool Shutdown() => Act(vm => vm.PressPowerButton());

    /// <summary>Hard reset from the host: restarts the guest even under --no-reboot.</summary>
    public bool Reboot()
    {
        lock (_gate) _hostReboot = true;
        return Act(vm => vm.Power.Reset());
    }

    /// <summary>Ends the process's VM for good, also between two boots of a rebooting guest.</summary>
    public bool Kill()
    {
        lock (_gate) _killed = true;
        Act(vm => vm.Power.Set(PowerRequest.Kill));
        return true;
    }

    /// <summary>
    /// Hot-plugs a disk into the running guest; it is also in the configuration, so later boots have it from the start.
    /// </summary>
    public AttachedDisk AttachDisk(DiskConfig disk)
    {
        lock (_gate)
        {
            var vm = Running();
            if (Config.Disks.Any(existing => existing.Id == disk.Id))
                throw new HotplugException(HotplugFailure.DuplicateId, $"a disk with id '{disk.Id}' is already attached");
            var attached = vm.AttachDisk(disk);
            Config.Disks = [.. Config.Disks, disk]; // replaced, not mutated: GET /vm serializes it concurrently
            return attached;
        }
    }

    /// <summary>Hot-plugs a NIC into the running guest and keeps it in the configuration (with its MAC) for later boots.</summary>
    public AttachedNet AttachNet(NetConfig net)
    {
        net.Id ??= net.Tap;
        lock (_gate)
        {
            var vm = Running();
            if (Config.Nets.Any(existing => existing.Id == net.Id))
                throw new HotplugException(HotplugFailure.DuplicateId, $"a net with id '{net.Id}' is already attached");
            if (Config.Nets.Any(existing => existing.Tap == net.Tap))
                throw new HotplugException(HotplugFailure.DuplicateId, $"tap {net.Tap} is already in use by this VM");
            var attached = vm.AttachNet(net, Config.Nets.Count);
            Config.Nets = [.. Config.Nets, net];
            return attached;
        }
    }

    /// <summary>Unplugs a disk (see <see cref="VirtualMachine.DetachDiskAsync"/>); returns whether the guest released it in time.</summary>
    public Task<bool> DetachDiskAsync(string id) =>
        DetachAsync("disk", id, vm => vm.DetachDiskAsync(id, EjectTimeout), () =>
        {
            foreach (var disk in Config.Disks.Where(d => d.Id == id)) Confinement.HeldFiles.ReleaseDisk(disk.Path, disk.ReadOnly);
            Config.Disks = [.. Config.Disks.Where(d => d.Id != id)];
        });

    /// <summary>Unplugs a NIC (see <see cref="VirtualMachine.DetachNetAsync"/>); returns whether the guest released it in time.</summary>
    public Task<bool> DetachNetAsync(string id) =>
        DetachAsync("net", id, vm => vm.DetachNetAsync(id, EjectTimeout), () =>
        {
            foreach (var net in Config.Nets.Where(n => n.Id == id)) Confinement.HeldFiles.ReleaseTap(net.Tap);
            Config.Nets = [.. Config.Nets.Where(n => n.Id != id)];
        });

    private async Task<bool> DetachAsync(string kind, string id, Func<VirtualMachine, Task<bool>> unplug, Action forget)
    {
        VirtualMachine vm;
        lock (_gate) vm = Running();
        var inTime = await unplug(vm);
        lock (_gate) forget();
        if (!inTime)
        {
            _errors.WriteLine($"cloudbox vmm warning: the guest did not release {kind} {id} within {EjectTimeout.TotalSeconds:F0} s; removed it anyway");
            _errors.Flush();
        }
        return inTime;
    }

    private VirtualMachine Running() => _current ?? throw new HotplugException(HotplugFailure.NotRunning, "the VM is not running");

    private bool Act(Action<VirtualMachine> action)
    {
        VirtualMachine? vm;
        lock (_gate) vm = _current;
        if (vm == null) return false;
        action(vm);
        return true;
    }

    private VirtualMachine Build()
    {
        var vm = new VirtualMachine(Config, _image, ConsoleOutput, Counters);
        lock (_gate) _current = vm;
        return vm;
    }

    private void Report(string what, string? detail, string lastLines)
    {
        _errors.WriteLine($"cloudbox vmm: {what}{(detail != null ? ": " + detail : "")}");
        if (lastLines.Length > 0) _errors.WriteLine($"last console lines:\n{lastLines}");
        _errors.Flush();
    }

    public void Dispose()
    {
        lock (_gate) _current?.Dispose();
    }
}
