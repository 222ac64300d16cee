using CloudBox.Hypervisor.Boot;
using CloudBox.Hypervisor.Boot.Acpi;
using CloudBox.Hypervisor.Configuration;
using CloudBox.Hypervisor.Devices;
using CloudBox.Hypervisor.Devices.Legacy;
using CloudBox.Hypervisor.Devices.Pci;
using CloudBox.Hypervisor.Devices.Virtio;
using CloudBox.Hypervisor.Hotplug;
using CloudBox.Hypervisor.Kvm;
using CloudBox.Linux;
using CloudBox.Linux.Kvm;
using CloudBox.Linux.Netlink;
using CloudBox.Linux.Threads;

namespace CloudBox.Hypervisor;

/// <summary>
/// One boot of one guest: the KVM VM, its memory, devices and vCPU threads. A reboot builds a new instance, so
/// every boot starts from a clean machine.
/// </summary>
public sealed class VirtualMachine : IDisposable
{
    private static readonly KvmCapability[] RequiredCapabilities =
    [
        KvmCapability.Irqchip, KvmCapability.UserMemory, KvmCapability.SetTssAddr, KvmCapability.ExtCpuid,
        KvmCapability.IrqRouting, KvmCapability.Irqfd, KvmCapability.Pit2, KvmCapability.Ioeventfd,
        KvmCapability.SetIdentityMapAddr, KvmCapability.ImmediateExit,
    ];

    private const int TscDeadlineCapability = 72;

    private readonly VmConfig _config;
    private readonly KvmSystem _kvm;
    private readonly KvmVm _vm;
    private readonly List<Vcpu> _vcpus = [];
    private readonly object _devicesGate = new();
    private VirtioPciDevice[] _virtio = []; // replaced, never mutated: readers take a snapshot
    private AttachedDevice[] _attached = []; // the disks and NICs the control API names; replaced, never mutated
    private readonly Dictionary<int, TaskCompletionSource> _ejects = [];
    private volatile bool _started;
    private bool _disposed; // under _devicesGate
    private readonly ManualResetEventSlim _stopped = new(false);
    private int _state; // VmState

    public VirtualMachine(VmConfig config, IBootImage image, Action<byte> consoleOutput, ExitCounters? counters = null)
    {
        _config = config;
        Counters = counters ?? new ExitCounters();
        Power.Requested += () =>
        {
            // The other vCPUs leave KVM_RUN now, not when the VM loop gets round to it; and they are kicked before the
            // loop is woken, which then tears the machine down: a kick after that wrote into an unmapped run page (a
            // control-API kill answered 500 with a NullReferenceException once in CI).
            foreach (var vcpu in _vcpus) vcpu.RequestStop();
            _stopped.Set();
        };
        ThreadKicker.Install();
        _kvm = Confinement.HeldFiles.OpenKvm();
        try
        {
            foreach (var capability in RequiredCapabilities)
                if (_kvm.CheckExtension(capability) <= 0) throw new NotSupportedException($"KVM lacks capability {capability}");
            _vm = _kvm.CreateVm();
            _vm.SetTssAddress(MemoryLayout.TssAddress);
            _vm.SetIdentityMapAddress(MemoryLayout.IdentityMapAddress);
            _vm.CreateIrqchip();
            _vm.CreatePit();
            Msi = new MsiRouter(_vm);
            Msi.Initialize();

            Memory = new GuestMemory((ulong)config.MemoryMiB * MemoryLayout.MiB, config.HugePages);
            Memory.Register(_vm);

            Serial = new Serial16550(consoleOutput, new KvmInterruptLine(_vm, Serial16550.Irq));
            Ports.Register(Serial16550.BasePort, 8, Serial);
            Ports.Register(I8042Controller.DataPort, 1, new I8042Controller(Power));
            Ports.Register(I8042Controller.CommandPort, 1, new I8042Controller(Power));
            Ports.Register(CmosRtc.IndexPort, 2, new CmosRtc(Memory.LowSize, Memory.HighSize));
            Ports.Register(MemoryLayout.AcpiPmPort, 4, new AcpiPowerManagement(Power));
            Ports.Register(0x80, 1, new PortSink()); // POST diagnostics
            Hotplug = new PciHotplugController(new KvmInterruptLine(_vm, MemoryLayout.PciHotplugGsi));
            Hotplug.Ejected += OnGuestEjected;
            Ports.Register(PciHotplugController.BasePort, PciHotplugController.Length, Hotplug);

            Pci = new PciBus(Mmio);
            var configPorts = new PciConfigPorts(Pci);
            Ports.Register(PciConfigPorts.AddressPort, 8, configPorts);
            Mmio.Register(MemoryLayout.PciEcamStart, MemoryLayout.PciEcamSize, new PciEcam(Pci));
            AddVirtioDevices();

            var rsdp = AcpiTables.Write(Memory, config.Vcpus);
            var uuid = config.Uuid != null ? Guid.Parse(config.Uuid) : Guid.NewGuid();
            SmbiosTables.Write(Memory, uuid, uuid.ToString());
            BootCpuState.WriteTables(Memory);
            var entry = image.Load(Memory, new BootParameters(MachineCommandLine.For(config.CommandLine), config.InitrdPath, E820Map.For(Memory), rsdp));
            CreateVcpus(entry);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public PowerControl Power { get; } = new();
    public PortBus Ports { get; } = new();
    public MmioBus Mmio { get; } = new();
    public ExitCounters Counters { get; }
    public GuestMemory Memory { get; } = null!;
    public Serial16550 Serial { get; } = null!;
    public PciBus Pci { get; } = null!;
    public MsiRouter Msi { get; } = null!;
    public PciHotplugController Hotplug { get; } = null!;
    public IReadOnlyList<VirtioPciDevice> VirtioDevices => Volatile.Read(ref _virtio);
    public IReadOnlyList<AttachedDisk> Disks => [.. Volatile.Read(ref _attached).OfType<AttachedDisk>()];
    public IReadOnlyList<AttachedNet> Nets => [.. Volatile.Read(ref _attached).OfType<AttachedNet>()];
    public VmState State => (VmState)Volatile.Read(ref _state);
    public DateTime StartedAt { get; private set; }

    /// <summary>
    /// KVM's own per-vCPU counters summed over the vCPUs (non-zero ones): the work the kernel does without telling
    /// us — instructions emulated, shadow-paging faults, injected interrupts. Empty if KVM has no statistics fd.
    /// </summary>
    public List<KeyValuePair<string, ulong>> KernelStatistics()
    {
        var sums = new Dictionary<string, ulong>();
        var order = new List<string>();
        foreach (var vcpu in _vcpus)
        {
            var statistics = vcpu.Statistics;
            if (statistics == null) continue;
            foreach (var (name, value) in statistics.Read())
            {
                if (!sums.ContainsKey(name)) order.Add(name);
                sums[name] = sums.GetValueOrDefault(name) + value;
            }
        }
        var list = new List<KeyValuePair<string, ulong>>();
        foreach (var name in order) if (sums[name] != 0) list.Add(new(name, sums[name]));
        return list;
    }

    /// <summary>Emulation failures the vCPUs got past by re-entering (see <see cref="Vcpu"/>).</summary>
    public long EmulationRetries
    {
        get
        {
            long sum = 0;
            foreach (var v in _vcpus) sum += v.EmulationRetries;
            return sum;
        }
    }

    /// <summary>Details of a failure (internal error, crash), when there was one.</summary>
    public string? FailureDetail
    {
        get
        {
            foreach (var v in _vcpus) if (v.FailureDetail != null) return v.FailureDetail;
            return null;
        }
    }

    public void Start()
    {
        lock (_devicesGate)
        {
            foreach (var device in _virtio) device.StartWorker();
            _started = true;
        }
        StartedAt = DateTime.UtcNow;
        Volatile.Write(ref _state, (int)VmState.Running);
        foreach (var vcpu in _vcpus) vcpu.Start();
    }

    /// <summary>Blocks until the guest powers off, resets, faults or is killed; stops all vCPUs before returning.</summary>
    public PowerRequest WaitForExit(TimeSpan? timeout = null)
    {
        if (!_stopped.Wait(timeout ?? Timeout.InfiniteTimeSpan)) return PowerRequest.None;
        StopVcpus();
        return Power.Request;
    }

    public void Pause()
    {
        foreach (var vcpu in _vcpus) vcpu.Pause();
        Volatile.Write(ref _state, (int)VmState.Paused);
    }

    public void Resume()
    {
        foreach (var vcpu in _vcpus) vcpu.Resume();
        Volatile.Write(ref _state, (int)VmState.Running);
    }

    private void StopVcpus()
    {
        foreach (var vcpu in _vcpus) vcpu.RequestStop();
        foreach (var vcpu in _vcpus) vcpu.Join();
        Volatile.Write(ref _state, (int)VmState.Stopped);
    }

    /// <summary>Each vCPU's instruction pointer and mode, readable only while paused (a running vCPU holds its registers).</summary>
    public List<string> DescribePausedVcpus()
    {
        var list = new List<string>();
        if (State != VmState.Paused) return list;
        foreach (var vcpu in _vcpus)
        {
            var regs = vcpu.Kvm.GetRegs();
            var sregs = vcpu.Kvm.GetSregs();
            list.Add($"vcpu{vcpu.Kvm.Id} rip=0x{regs.Rip:x} rsp=0x{regs.Rsp:x} rflags=0x{regs.Rflags:x} cr0=0x{sregs.Cr0:x} cr2=0x{sregs.Cr2:x} cr3=0x{sregs.Cr3:x} cr4=0x{sregs.Cr4:x} efer=0x{sregs.Efer:x} mp={vcpu.Kvm.GetMpState()}");
        }
        return list;
    }

    /// <summary>Presses the ACPI power button: an edge on the Generic Event Device's interrupt.</summary>
    public void PressPowerButton()
    {
        _vm.SetIrqLine(MemoryLayout.PowerButtonGsi, true);
        _vm.SetIrqLine(MemoryLayout.PowerButtonGsi, false);
    }

    private void AddVirtioDevices()
    {
        foreach (var disk in _config.Disks)
        {
            VirtioBlock block;
            try
            {
                block = OpenDisk(disk);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw new VmmSetupException($"cannot open disk {disk.Path}: {error.Message}", error);
            }
            var device = AddVirtio(block);
            _attached = [.. _attached, new AttachedDisk(disk, device.slot, device.device)];
        }
        for (var i = 0; i < _config.Nets.Count; i++)
        {
            var net = _config.Nets[i];
            VirtioNet model;
            try
            {
                model = OpenNet(net, i);
            }
            catch (FormatException error)
            {
                throw new VmmSetupException(error.Message, error);
            }
            catch (Exception error) when (error is LinuxException or ArgumentException)
            {
                throw new VmmSetupException($"cannot open tap {net.Tap}: {error.Message}", error);
            }
            var device = AddVirtio(model);
            _attached = [.. _attached, new AttachedNet(net, device.slot, device.device)];
        }
        if (_config.Rng) AddVirtio(new VirtioRng());
    }

    /// <summary>
    /// Opens the tap (a missing one is created, as Networking's data plane expects) with the configured MAC, or a
    /// generated one that is written back into the configuration so later boots give the guest the same address.
    /// With a network namespace configured, the tap is opened from a thread inside it (a tap belongs to the namespace
    /// /dev/net/tun was opened in); the VMM's own threads never change namespace.
    /// </summary>
    private VirtioNet OpenNet(NetConfig net, int index)
    {
        var mac = MacAddress.ParseOrGenerate(net.Mac, index);
        var path = _config.NetworkNamespace;
        // A held tap (confined VMM) is used as it is; only a tap opened by name needs the namespace.
        var device = new VirtioNet(net.Tap, mac, () => path is null
            ? Linux.Tun.TapDevice.Open(net.Tap, VirtioNet.HeaderLength)
            : NetworkNamespace.Run(path, () => Linux.Tun.TapDevice.Open(net.Tap, VirtioNet.HeaderLength)));
        net.Mac ??= MacAddress.Format(mac);
        return device;
    }

    /// <summary>One request queue per vCPU (multi-queue virtio-blk), each served by its own io_uring ring.</summary>
    private VirtioBlock OpenDisk(DiskConfig disk) =>
        new(disk.Path, disk.ReadOnly, disk.Serial ?? Path.GetFileName(disk.Path), queueCount: _config.Vcpus);

    /// <summary>Plugs a virtio function into a free slot; slot -1 (and the model disposed) when the bus is full.</summary>
    private (int slot, VirtioPciDevice device) AddVirtio(IVirtioDevice model, bool required = true)
    {
        VirtioPciDevice device;
        try
        {
            device = new VirtioPciDevice(model, Memory, _vm, Msi, _config.DiskPollMicroseconds);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        var slot = Pci.TryAdd(device);
        if (slot < 0)
        {
            device.Unplug();
            device.Dispose();
            if (required) throw new VmmSetupException("too many devices: the PCI bus has 31 slots");
            return (-1, device);
        }
        lock (_devicesGate) _virtio = [.. _virtio, device];
        device.SyncIoeventfds();
        return (slot, device);
    }

    // ---- disk and NIC hot-plug (ACPI PCI hot-plug: see PciHotplugController) ----

    /// <summary>
    /// Plugs a disk into a free slot of the running machine and tells the guest (a device check on that slot). The
    /// guest's acpiphp scans the slot and binds virtio-blk; a guest without ACPI sees it at its next bus scan.
    /// </summary>
    public AttachedDisk AttachDisk(DiskConfig disk) => Plug<AttachedDisk>("disk", disk.Id ?? "", () =>
    {
        try
        {
            return OpenDisk(disk);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new HotplugException(HotplugFailure.CannotOpen, $"cannot open disk {disk.Path}: {error.Message}");
        }
    }, (slot, device) => new AttachedDisk(disk, slot, device));

    /// <summary>Plugs a virtio-net function on <paramref name="net"/>'s tap into a free slot, as <see cref="AttachDisk"/> does a disk.</summary>
    public AttachedNet AttachNet(NetConfig net, int index) => Plug<AttachedNet>("net", net.Id ?? net.Tap, () =>
    {
        try
        {
            return OpenNet(net, index);
        }
        catch (FormatException error)
        {
            throw new HotplugException(HotplugFailure.InvalidRequest, error.Message);
        }
        catch (Exception error) when (error is LinuxException or ArgumentException)
        {
            throw new HotplugException(HotplugFailure.CannotOpen, $"cannot open tap {net.Tap}: {error.Message}");
        }
    }, (slot, device) => new AttachedNet(net, slot, device));

    /// <summary>Unplugs a disk (see <see cref="UnplugAsync"/>).</summary>
    public Task<bool> DetachDiskAsync(string id, TimeSpan timeout) => UnplugAsync("disk", id, timeout);

    /// <summary>Unplugs a NIC (see <see cref="UnplugAsync"/>); closing its tap drops the guest's link.</summary>
    public Task<bool> DetachNetAsync(string id, TimeSpan timeout) => UnplugAsync("net", id, timeout);

    private T Plug<T>(string kind, string id, Func<IVirtioDevice> open, Func<int, VirtioPciDevice, T> record) where T : AttachedDevice
    {
        lock (_devicesGate)
        {
            foreach (var attached in _attached)
                if (attached.Kind == kind && attached.Id == id) throw new HotplugException(HotplugFailure.DuplicateId, $"a {kind} with id '{id}' is already attached");
            var (slot, device) = AddVirtio(open(), required: false);
            if (slot < 0) throw new HotplugException(HotplugFailure.NoFreeSlot, $"no free PCI slot for another {kind}");
            if (_started) device.StartWorker();
            var entry = record(slot, device);
            _attached = [.. _attached, entry];
            Hotplug.AnnounceInsertion(slot);
            return entry;
        }
    }

    /// <summary>
    /// Unplugs a device: asks the guest to release the slot (an eject request; the guest unbinds the driver and runs
    /// the slot's _EJ0), waits for that up to <paramref name="timeout"/>, then takes the device out whether or not
    /// the guest answered, and closes its file or tap. Returns whether the guest released it in time.
    /// </summary>
    private async Task<bool> UnplugAsync(string kind, string id, TimeSpan timeout)
    {
        AttachedDevice? found = null;
        TaskCompletionSource released;
        lock (_devicesGate)
        {
            foreach (var attached in _attached) if (attached.Kind == kind && attached.Id == id) found = attached;
            if (found == null) throw new HotplugException(HotplugFailure.UnknownId, $"no {kind} with id '{id}'");
            if (!_ejects.TryGetValue(found.Slot, out released!))
            {
                released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _ejects[found.Slot] = released;
                Hotplug.RequestEject(found.Slot);
            }
        }
        var inTime = true;
        try
        {
            await released.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            inTime = false;
        }
        lock (_devicesGate)
        {
            _ejects.Remove(found.Slot);
            // The machine went away (power-off, reboot) while we waited, or a concurrent DELETE of this device finished.
            if (_disposed || Array.IndexOf(_attached, found) < 0) return inTime;
            _attached = [.. _attached.Where(d => d != found)];
            _virtio = [.. _virtio.Where(d => d != found.Device)];
            Pci.Remove(found.Slot);
            found.Device.Unplug();
        }
        found.Device.Dispose(); // stops its worker thread and closes the file or tap
        return inTime;
    }

    /// <summary>The guest ran a slot's _EJ0 (on a vCPU thread): complete the unplug waiting for it. Ejects nobody asked for are ignored.</summary>
    private void OnGuestEjected(int slot)
    {
        TaskCompletionSource? released;
        lock (_devicesGate) _ejects.TryGetValue(slot, out released);
        released?.TrySetResult();
    }

    private void CreateVcpus(BootEntry entry)
    {
        var supported = _kvm.GetSupportedCpuid();
        var tscDeadline = _kvm.CheckExtension((KvmCapability)TscDeadlineCapability) > 0;
        for (uint id = 0; id < _config.Vcpus; id++)
        {
            var kvmVcpu = _vm.CreateVcpu(id);
            var vcpu = new Vcpu(kvmVcpu, Memory, Ports, Mmio, Power, Counters);
            _vcpus.Add(vcpu);
            kvmVcpu.SetCpuid(CpuidTable.ForVcpu(supported, id, (uint)_config.Vcpus, tscDeadline));
            kvmVcpu.SetMsrs(BootCpuState.BootMsrs());
            kvmVcpu.SetFpu(BootCpuState.BootFpu());
            BootCpuState.ConfigureLapic(kvmVcpu);
            if (id != 0 && !entry.AllVcpusStart) continue; // application processors wait for INIT/SIPI
            var sregs = kvmVcpu.GetSregs();
            kvmVcpu.SetSregs(entry.LongMode ? BootCpuState.LongModeSregs(sregs) : BootCpuState.ProtectedModeSregs(sregs));
            kvmVcpu.SetRegs(new KvmRegs
            {
                Rip = entry.Rip,
                Rsi = entry.Rsi,
                Rbx = entry.Rbx,
                Rsp = MemoryLayout.BootStackTop * 16 - id * 0x4000, // private stacks for test guests that start every vCPU
                Rdi = id,
                Rflags = 2,
            });
            if (id != 0) kvmVcpu.SetMpState(KvmMpState.Runnable);
        }
    }

    public void Dispose()
    {
        if (State != VmState.Stopped && _vcpus.Count > 0 && State != VmState.Created) StopVcpus();
        VirtioPciDevice[] devices;
        lock (_devicesGate)
        {
            _disposed = true;
            devices = _virtio;
            foreach (var eject in _ejects.Values) eject.TrySetResult();
        }
        Hotplug?.Dispose(); // its timer may pulse the VM's interrupt line: stop it first
        foreach (var device in devices) device.Dispose();
        foreach (var vcpu in _vcpus) vcpu.Dispose();
        Memory?.Dispose();
        _vm?.Dispose();
        _kvm.Dispose();
        _stopped.Dispose();
    }
}
