namespace CloudBox.Hypervisor.Devices.Pci;

/// <summary>
/// The registers behind ACPI PCI hot-plug of bus 0 (the DSDT's slot devices and the GED's _EVT use them; see
/// <see cref="Boot.Acpi.AcpiTables"/>). Why ACPI and not native PCIe hot-plug: the Debian cloud kernel builds in both
/// acpiphp (CONFIG_HOTPLUG_PCI_ACPI=y) and pciehp (CONFIG_HOTPLUG_PCI_PCIE=y), but pciehp needs a PCIe root port per
/// slot (type-1 bridges with slot capability registers, bridge windows, bus numbers, an interrupt for slot events)
/// and an _OSC method granting the OS native hot-plug control, while acpiphp works on the root bus we already have
/// with a few AML objects: a device with _ADR and _EJ0 per slot, and a Notify when something changes.
/// <list type="bullet">
/// <item>+0 slots with a device inserted since the last read (read clears): the guest then device-checks them;</item>
/// <item>+4 slots the host asks the guest to release (read clears): the guest removes their driver, then calls _EJ0;</item>
/// <item>+8 write: _EJ0 of these slots ran — the guest let go, the host may take the device out.</item>
/// </list>
/// Each new event pulses the hardware-reduced Generic Event Device's interrupt, whose _EVT reads +0 and +4. An edge
/// the guest was not ready for (a disk plugged while it boots, before the GED driver has its interrupt) would be
/// lost, so while a mask stays unread the edge is repeated every <see cref="RepeatInterval"/>, a bounded number of
/// times: the registers then behave like a level-triggered status the guest picks up once it listens.
/// </summary>
public sealed class PciHotplugController : IPortDevice, IDisposable
{
    public static readonly TimeSpan RepeatInterval = TimeSpan.FromSeconds(1);
    private const int MaxRepeats = 120;

    public const ushort BasePort = 0xAE00;
    public const int Length = 12;
    public const int InsertedOffset = 0;
    public const int EjectRequestOffset = 4;
    public const int EjectedOffset = 8;

    private readonly IInterruptLine _eventLine;
    private readonly Timer _repeat;
    private int _inserted;
    private int _ejectRequests;
    private int _repeatsLeft;
    private volatile bool _disposed;

    public PciHotplugController(IInterruptLine eventLine)
    {
        _eventLine = eventLine;
        _repeat = new Timer(_ => Repeat());
    }

    /// <summary>Raised on the vCPU thread for each slot the guest ejected.</summary>
    public event Action<int>? Ejected;

    public void AnnounceInsertion(int slot)
    {
        Interlocked.Or(ref _inserted, 1 << slot);
        Pulse();
    }

    public void RequestEject(int slot)
    {
        Interlocked.Or(ref _ejectRequests, 1 << slot);
        Pulse();
    }

    private void Pulse()
    {
        _eventLine.Set(true);
        _eventLine.Set(false);
        Volatile.Write(ref _repeatsLeft, MaxRepeats);
        _repeat.Change(RepeatInterval, RepeatInterval);
    }

    private void Repeat()
    {
        if (_disposed) return;
        if ((Volatile.Read(ref _inserted) | Volatile.Read(ref _ejectRequests)) == 0 || Interlocked.Decrement(ref _repeatsLeft) < 0)
        {
            _repeat.Change(Timeout.Infinite, Timeout.Infinite);
            return;
        }
        try
        {
            _eventLine.Set(true);
            _eventLine.Set(false);
        }
        catch (Exception) when (_disposed)
        {
            // The machine was torn down while this tick ran (a timer thread must not take the process down).
        }
    }

    public void Read(ushort port, Span<byte> data)
    {
        var value = (port - BasePort) switch
        {
            InsertedOffset => Interlocked.Exchange(ref _inserted, 0),
            EjectRequestOffset => Interlocked.Exchange(ref _ejectRequests, 0),
            _ => 0,
        };
        BusData.Set(data, (uint)value);
    }

    public void Write(ushort port, ReadOnlySpan<byte> data)
    {
        if (port - BasePort != EjectedOffset) return;
        var slots = (uint)BusData.Get(data);
        for (var slot = 1; slot < PciBus.SlotCount; slot++)
            if ((slots & (1u << slot)) != 0) Ejected?.Invoke(slot);
    }

    public void Dispose()
    {
        _disposed = true;
        _repeat.Dispose();
    }
}
