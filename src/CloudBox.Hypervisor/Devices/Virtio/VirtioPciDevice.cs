using CloudBox.Hypervisor.Devices.Pci;
using CloudBox.Hypervisor.Kvm;
using CloudBox.Linux.Events;
using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>
/// The virtio 1.x modern PCI transport: one 64-bit BAR holding common config, ISR, device config, notify registers
/// and the MSI-X table. Queue notifications arrive through ioeventfds on a worker thread; interrupts leave through
/// irqfds routed to MSI messages.
/// </summary>
public sealed class VirtioPciDevice : PciDevice, IMmioDevice, IDisposable
{
    public const ulong BarSizeBytes = 0x4000;
    private const ulong CommonOffset = 0x0000;
    private const ulong IsrOffset = 0x0800;
    private const ulong DeviceConfigOffset = 0x1000;
    private const ulong NotifyOffset = 0x1800;
    private const ulong MsixTableOffset = 0x2000;
    private const ulong MsixPbaOffset = 0x3000;
    private const uint NotifyMultiplier = 4;
    private const int MsixCapability = 0x40;
    private const ulong StopToken = ulong.MaxValue;
    private const ulong ExtraTokenBase = 1000;

    private readonly IVirtioDevice _device;
    private readonly GuestMemory _memory;
    private readonly KvmVm _vm;
    private readonly MsiRouter _router;
    private readonly Virtqueue[] _queues;
    private readonly EventFd[] _queueEvents;
    private readonly EventFd[] _vectorEvents;
    private readonly uint[] _vectorGsi;
    private readonly MsixTable _msix;
    private readonly EventFd _stop = new();
    private readonly Epoll _epoll = new();
    private readonly object _gate = new();
    private ulong _ioeventfdBase;
    private Thread? _worker;
    private uint _deviceFeatureSelect, _driverFeatureSelect;
    private ulong _driverFeatures;
    private ushort _configVector = VirtioPciCommonConfig.NoVector;
    private ushort _queueSelect;
    private volatile byte _status;
    private volatile bool _active;
    private volatile bool _unplugged;
    private readonly long _pollWindowTicks;

    /// <param name="pollMicroseconds">For a device that polls while busy: how long after its last work the worker keeps polling.</param>
    public VirtioPciDevice(IVirtioDevice device, GuestMemory memory, KvmVm vm, MsiRouter router, int pollMicroseconds = 0)
        : base(0x1AF4, (ushort)(0x1040 + device.DeviceType), device.PciClass, 1, 0x1AF4, 0x40)
    {
        _device = device;
        _pollWindowTicks = device.PollWhileBusy ? pollMicroseconds * System.Diagnostics.Stopwatch.Frequency / 1_000_000 : 0;
        _memory = memory;
        _vm = vm;
        _router = router;
        _queues = new Virtqueue[device.QueueCount];
        _queueEvents = new EventFd[device.QueueCount];
        for (var q = 0; q < _queues.Length; q++)
        {
            _queues[q] = new Virtqueue(memory, device.QueueSize);
            _queueEvents[q] = new EventFd();
            _epoll.Add(_queueEvents[q].Fd, Epoll.In, (ulong)q);
        }
        _epoll.Add(_stop.Fd, Epoll.In, StopToken);
        var extra = device.ExtraDescriptors;
        // Extra descriptors (a tap) are level-triggered: the model turns interest on once it can take their data.
        for (var i = 0; i < extra.Length; i++) _epoll.Add(extra[i], 0, ExtraTokenBase + (ulong)i);

        var vectors = device.QueueCount + 1;
        _msix = new MsixTable(vectors);
        _vectorEvents = new EventFd[vectors];
        _vectorGsi = new uint[vectors];
        for (var v = 0; v < vectors; v++)
        {
            _vectorEvents[v] = new EventFd();
            _vectorGsi[v] = router.AllocateGsi();
            vm.AssignIrqfd(_vectorEvents[v].Fd, _vectorGsi[v]);
        }

        DeclareMemoryBar64(0, BarSizeBytes);
        BuildCapabilities(vectors);
        BarMoved += (_, _) => SyncIoeventfds();
    }

    public IVirtioDevice Model => _device;

    public VirtioStats Stats => _device.Stats;

    public byte Status => _status;

    public override IMmioDevice? BarRegion(int bar) => bar == 0 ? this : null;

    public void StartWorker()
    {
        _worker = new Thread(WorkerLoop) { Name = $"virtio-{_device.DeviceType}", IsBackground = true };
        _worker.Start();
    }

    private void BuildCapabilities(int vectors)
    {
        Config[0x06] |= 0x10; // status: capability list present
        Config[0x34] = MsixCapability;
        Config[0x3D] = 0; // no INTx pin: MSI-X only

        // MSI-X: table and PBA in BAR 0.
        Config[0x40] = 0x11; Config[0x41] = 0x4C;
        Write16(0x42, (ushort)(vectors - 1));
        Write32(0x44, (uint)MsixTableOffset);
        Write32(0x48, (uint)MsixPbaOffset);

        VendorCap(0x4C, 0x5C, 16, 1, CommonOffset, VirtioPciCommonConfig.Length);
        VendorCap(0x5C, 0x70, 20, 2, NotifyOffset, (uint)(_queues.Length * NotifyMultiplier));
        Write32(0x5C + 16, NotifyMultiplier);
        VendorCap(0x70, 0x80, 16, 3, IsrOffset, 4);
        VendorCap(0x80, 0x00, 16, 4, DeviceConfigOffset, (uint)Math.Max(_device.ConfigLength, 4));
    }

    private void VendorCap(int at, byte next, byte length, byte type, ulong offset, uint size)
    {
        Config[at] = 0x09;
        Config[at + 1] = next;
        Config[at + 2] = length;
        Config[at + 3] = type;
        Config[at + 4] = 0; // BAR 0
        Write32(at + 8, (uint)offset);
        Write32(at + 12, size);
    }

    protected override void WriteCapability(int offset, ReadOnlySpan<byte> data)
    {
        // Only MSI-X message control is writable (enable and function mask).
        if (offset == MsixCapability + 2 || (offset == MsixCapability && data.Length == 4))
        {
            var control = offset == MsixCapability ? (ushort)(BusData.Get(data) >> 16) : (ushort)BusData.Get(data);
            var table = (ushort)((_msix.Vectors - 1) & 0x7FF);
            Write16(MsixCapability + 2, (ushort)(table | (control & 0xC000)));
            _msix.Enabled = (control & 0x8000) != 0;
            _msix.FunctionMasked = (control & 0x4000) != 0;
            for (var v = 0; v < _msix.Vectors; v++) RefreshVector(v);
        }
    }

    // ---- BAR 0 accesses (vCPU threads) ----

    public void Read(ulong offset, Span<byte> data)
    {
        if (offset < IsrOffset) { lock (_gate) ReadCommon((int)offset, data); }
        else if (offset < DeviceConfigOffset) data.Clear(); // ISR: only used with INTx, which we do not offer
        else if (offset < NotifyOffset) _device.ReadConfig((int)(offset - DeviceConfigOffset), data);
        else if (offset < MsixTableOffset) data.Clear();
        else if (offset < MsixPbaOffset) _msix.ReadTable(offset - MsixTableOffset, data);
        else _msix.ReadPending(offset - MsixPbaOffset, data);
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset < IsrOffset) { lock (_gate) WriteCommon((int)offset, data); }
        else if (offset >= NotifyOffset && offset < MsixTableOffset)
        {
            // Reached only when no ioeventfd caught the write (the guest moved the BAR before we re-registered).
            var queue = (int)((offset - NotifyOffset) / NotifyMultiplier);
            if (queue < _queueEvents.Length && !_unplugged) _queueEvents[queue].Signal();
        }
        else if (offset >= MsixTableOffset && offset < MsixPbaOffset)
        {
            var vector = _msix.WriteTable(offset - MsixTableOffset, data);
            if (vector >= 0) RefreshVector(vector);
        }
    }

    private void ReadCommon(int offset, Span<byte> data)
    {
        ulong value = offset switch
        {
            VirtioPciCommonConfig.DeviceFeatureSelect => _deviceFeatureSelect,
            VirtioPciCommonConfig.DeviceFeature => _deviceFeatureSelect switch
            {
                0 => (uint)DeviceFeatures,
                1 => (uint)(DeviceFeatures >> 32),
                _ => 0,
            },
            VirtioPciCommonConfig.DriverFeatureSelect => _driverFeatureSelect,
            VirtioPciCommonConfig.DriverFeature => _driverFeatureSelect switch
            {
                0 => (uint)_driverFeatures,
                1 => (uint)(_driverFeatures >> 32),
                _ => 0,
            },
            VirtioPciCommonConfig.ConfigMsixVector => _configVector,
            VirtioPciCommonConfig.NumQueues => (ulong)_queues.Length,
            VirtioPciCommonConfig.DeviceStatus => _status,
            VirtioPciCommonConfig.ConfigGeneration => 0, // device config never changes while the driver runs
            VirtioPciCommonConfig.QueueSelect => _queueSelect,
            VirtioPciCommonConfig.QueueSize => SelectedQueue?.Size ?? 0,
            VirtioPciCommonConfig.QueueMsixVector => SelectedQueue?.MsixVector ?? VirtioPciCommonConfig.NoVector,
            VirtioPciCommonConfig.QueueEnable => SelectedQueue?.Enabled == true ? 1UL : 0,
            VirtioPciCommonConfig.QueueNotifyOff => _queueSelect,
            VirtioPciCommonConfig.QueueDesc => SelectedQueue?.DescriptorTable ?? 0,
            VirtioPciCommonConfig.QueueDesc + 4 => (SelectedQueue?.DescriptorTable ?? 0) >> 32,
            VirtioPciCommonConfig.QueueDriver => SelectedQueue?.AvailRing ?? 0,
            VirtioPciCommonConfig.QueueDriver + 4 => (SelectedQueue?.AvailRing ?? 0) >> 32,
            VirtioPciCommonConfig.QueueDevice => SelectedQueue?.UsedRing ?? 0,
            VirtioPciCommonConfig.QueueDevice + 4 => (SelectedQueue?.UsedRing ?? 0) >> 32,
            _ => 0,
        };
        BusData.Set(data, value);
    }

    private void WriteCommon(int offset, ReadOnlySpan<byte> data)
    {
        var value = BusData.Get(data);
        var q = SelectedQueue;
        switch (offset)
        {
            case VirtioPciCommonConfig.DeviceFeatureSelect: _deviceFeatureSelect = (uint)value; break;
            case VirtioPciCommonConfig.DriverFeatureSelect: _driverFeatureSelect = (uint)value; break;
            case VirtioPciCommonConfig.DriverFeature:
                if (_driverFeatureSelect == 0) _driverFeatures = (_driverFeatures & ~0xFFFFFFFFUL) | (uint)value;
                else if (_driverFeatureSelect == 1) _driverFeatures = (_driverFeatures & 0xFFFFFFFFUL) | ((ulong)(uint)value << 32);
                break;
            case VirtioPciCommonConfig.ConfigMsixVector: _configVector = (ushort)value; break;
            case VirtioPciCommonConfig.DeviceStatus: WriteStatus((byte)value); break;
            case VirtioPciCommonConfig.QueueSelect: _queueSelect = (ushort)value; break;
            case VirtioPciCommonConfig.QueueSize:
                if (q != null && value is > 0 && value <= q.MaxSize && (value & (value - 1)) == 0) q.Size = (ushort)value;
                break;
            case VirtioPciCommonConfig.QueueMsixVector:
                if (q != null) q.MsixVector = value < (ulong)_msix.Vectors ? (ushort)value : VirtioPciCommonConfig.NoVector;
                break;
            case VirtioPciCommonConfig.QueueEnable:
                if (q != null) q.Enabled = value == 1;
                break;
            case VirtioPciCommonConfig.QueueDesc: if (q != null) q.DescriptorTable = Merge(q.DescriptorTable, value, data.Length, false); break;
            case VirtioPciCommonConfig.QueueDesc + 4: if (q != null) q.DescriptorTable = Merge(q.DescriptorTable, value, 4, true); break;
            case VirtioPciCommonConfig.QueueDriver: if (q != null) q.AvailRing = Merge(q.AvailRing, value, data.Length, false); break;
            case VirtioPciCommonConfig.QueueDriver + 4: if (q != null) q.AvailRing = Merge(q.AvailRing, value, 4, true); break;
            case VirtioPciCommonConfig.QueueDevice: if (q != null) q.UsedRing = Merge(q.UsedRing, value, data.Length, false); break;
            case VirtioPciCommonConfig.QueueDevice + 4: if (q != null) q.UsedRing = Merge(q.UsedRing, value, 4, true); break;
        }
    }

    private static ulong Merge(ulong current, ulong value, int width, bool high) =>
        width == 8 ? value : high ? (current & 0xFFFFFFFFUL) | (value << 32) : (current & ~0xFFFFFFFFUL) | (uint)value;

    private Virtqueue? SelectedQueue => _queueSelect < _queues.Length ? _queues[_queueSelect] : null;

    private ulong DeviceFeatures => _device.Features | (1UL << VirtioPciCommonConfig.FeatureVersion1);

    private void WriteStatus(byte value)
    {
        if (value == 0)
        {
            lock (_queues) // the worker holds this while it touches queues
            {
                _active = false;
                _device.Reset();
                for (var i = 0; i < _device.ExtraDescriptors.Length; i++) SetEventInterest(i, false);
                foreach (var queue in _queues) queue.Reset();
                _status = 0;
                _driverFeatures = 0;
                _configVector = VirtioPciCommonConfig.NoVector;
            }
            return;
        }
        if ((value & VirtioPciCommonConfig.StatusFeaturesOk) != 0 && (_status & VirtioPciCommonConfig.StatusFeaturesOk) == 0)
        {
            // Refuse features we did not offer, and drivers that are not virtio 1.
            if ((_driverFeatures & ~DeviceFeatures) != 0 || (_driverFeatures & (1UL << VirtioPciCommonConfig.FeatureVersion1)) == 0)
                value &= unchecked((byte)~VirtioPciCommonConfig.StatusFeaturesOk);
        }
        var becameReady = (value & VirtioPciCommonConfig.StatusDriverOk) != 0 && (_status & VirtioPciCommonConfig.StatusDriverOk) == 0;
        _status = value;
        if (becameReady)
        {
            lock (_queues)
            {
                _device.Activate(new VirtioContext(_memory, _queues, _driverFeatures, InterruptQueue, SetEventInterest));
                _active = true;
            }
            foreach (var e in _queueEvents) e.Signal(); // pick up buffers made available before DRIVER_OK
        }
    }

    // ---- ioeventfd placement follows BAR 0 ----

    /// <summary>Registers (or moves) the per-queue ioeventfds to the current BAR address.</summary>
    public void SyncIoeventfds()
    {
        lock (_gate)
        {
            if (_unplugged) return;
            var address = MemoryDecoding ? BarAddress(0) : 0;
            if (address == _ioeventfdBase) return;
            if (_ioeventfdBase != 0)
                for (var q = 0; q < _queues.Length; q++)
                    _vm.AssignIoeventfd(_queueEvents[q].Fd, _ioeventfdBase + NotifyOffset + (ulong)q * NotifyMultiplier, 2, pio: false, deassign: true);
            _ioeventfdBase = address;
            if (address != 0)
                for (var q = 0; q < _queues.Length; q++)
                    _vm.AssignIoeventfd(_queueEvents[q].Fd, address + NotifyOffset + (ulong)q * NotifyMultiplier, 2, pio: false);
        }
    }

    // ---- interrupts ----

    private void RefreshVector(int v)
    {
        _router.Route(_vectorGsi[v], _msix.AddressLow(v), _msix.AddressHigh(v), _msix.Data(v), enabled: true);
        if (_msix.Deliverable(v) && _msix.TakePending(v)) _vectorEvents[v].Signal();
    }

    private void InterruptQueue(int queue)
    {
        var q = _queues[queue];
        if (!q.InterruptWanted()) return;
        var v = q.MsixVector;
        if (v >= _msix.Vectors) return;
        Stats.Interrupts++;
        if (_msix.Deliverable(v)) _vectorEvents[v].Signal();
        else _msix.SetPending(v);
    }

    private void SetEventInterest(int index, bool interested) =>
        _epoll.Modify(_device.ExtraDescriptors[index], interested ? Epoll.In : 0, ExtraTokenBase + (ulong)index);

    // ---- worker thread ----

    /// <summary>
    /// Waits for notifications and completions, and serves them. A device that polls while busy is polled for
    /// <see cref="_pollWindowTicks"/> after its last work, with the driver told not to notify meanwhile: a busy guest
    /// then costs no exit per request, an idle one no CPU.
    /// </summary>
    private void WorkerLoop()
    {
        Confinement.ThreadFilters.ApplyToCurrentThread(Confinement.ThreadFilters.DeviceWorker);
        var polling = false;
        long lastWork = 0;
        try
        {
            while (true)
            {
                var ready = _epoll.Wait(polling ? 0 : -1);
                for (var i = 0; i < ready; i++)
                {
                    var token = _epoll.TokenAt(i);
                    if (token == StopToken) return;
                    if (token >= ExtraTokenBase)
                    {
                        lock (_queues) if (_active) _device.ProcessEvent((int)(token - ExtraTokenBase));
                        continue;
                    }
                    var queue = (int)token;
                    _queueEvents[queue].Consume();
                    Stats.Notifications++;
                    lock (_queues) if (_active) _device.ProcessQueue(queue);
                }
                if (_pollWindowTicks > 0) Poll(ready > 0, ref polling, ref lastWork);
            }
        }
        catch (Exception)
        {
            // A malformed ring is a guest bug: mark the device broken rather than take the VMM down.
            _status |= VirtioPciCommonConfig.StatusNeedsReset;
        }
    }

    /// <summary>
    /// One polling pass; keeps polling (notifications off) while the device waits for the guest and there was work
    /// within the window. With I/O in flight it sleeps instead: the completion wakes it, and spinning would take the
    /// CPU the kernel needs for that I/O (buffered writes run in io_uring's workers). Turning notifications back on
    /// is followed by one more look: a request published just before the flag cleared got no kick.
    /// </summary>
    private void Poll(bool woken, ref bool polling, ref long lastWork)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (woken || PollQueues()) lastWork = now;
        if (_device.InFlight == 0 && now - lastWork < _pollWindowTicks)
        {
            if (!polling) SetNotificationsWanted(false);
            polling = true;
            return;
        }
        if (!polling) return;
        SetNotificationsWanted(true);
        polling = false;
        if (PollQueues() && _device.InFlight == 0)
        {
            lastWork = now;
            SetNotificationsWanted(false);
            polling = true;
        }
    }

    private bool PollQueues()
    {
        var worked = false;
        lock (_queues)
        {
            if (!_active) return false;
            for (var q = 0; q < _queues.Length; q++) worked |= _device.Poll(q);
        }
        if (worked) Stats.PolledPasses++;
        return worked;
    }

    private void SetNotificationsWanted(bool wanted)
    {
        lock (_queues)
        {
            if (!_active) return;
            foreach (var queue in _queues) queue.SetNotificationsWanted(wanted);
        }
    }

    /// <summary>
    /// Takes the device out of the running VM (hot-unplug; the bus has already unmapped its BAR): its ioeventfds,
    /// irqfds and MSI routes go, then <see cref="Dispose"/> stops the worker and closes the backend.
    /// </summary>
    public void Unplug()
    {
        _unplugged = true;
        lock (_gate)
        {
            if (_ioeventfdBase != 0)
                for (var q = 0; q < _queues.Length; q++)
                    _vm.AssignIoeventfd(_queueEvents[q].Fd, _ioeventfdBase + NotifyOffset + (ulong)q * NotifyMultiplier, 2, pio: false, deassign: true);
            _ioeventfdBase = 0;
        }
        for (var v = 0; v < _vectorEvents.Length; v++)
        {
            _vm.DeassignIrqfd(_vectorEvents[v].Fd, _vectorGsi[v]);
            _router.ReleaseGsi(_vectorGsi[v]);
        }
    }

    public void Dispose()
    {
        _stop.Signal();
        _worker?.Join();
        _device.Dispose();
        foreach (var e in _queueEvents) e.Dispose();
        foreach (var e in _vectorEvents) e.Dispose();
        _stop.Dispose();
        _epoll.Dispose();
    }
}
