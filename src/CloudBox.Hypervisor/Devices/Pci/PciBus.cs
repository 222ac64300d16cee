using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Devices.Pci;

/// <summary>
/// Bus 0: up to 32 single-function devices. Each slot owns a fixed aperture of the 32-bit MMIO window where its BARs
/// are first placed, so a device plugged into a freed slot reuses the space of the one that left. Slots change
/// while vCPUs run (hot-plug): the slot table is read lock-free by vCPU threads.
/// </summary>
public sealed class PciBus
{
    public const int SlotCount = 32;
    /// <summary>Room for one device's BARs (a virtio function needs 16 KiB).</summary>
    public const ulong SlotAperture = MemoryLayout.MiB;

    private readonly PciDevice?[] _slots = new PciDevice?[SlotCount];
    private readonly MmioBus _mmio;
    private readonly object _gate = new();

    public PciBus(MmioBus mmio)
    {
        _mmio = mmio;
        _slots[0] = new PciHostBridge();
    }

    /// <summary>Plugs a device into the first free slot, places its BARs and maps them. Returns the slot, or -1 when the bus is full.</summary>
    public int TryAdd(PciDevice device)
    {
        lock (_gate)
        {
            var slot = Array.IndexOf(_slots, null);
            if (slot < 0) return -1;
            var next = MemoryLayout.PciMmioStart + (ulong)slot * SlotAperture;
            for (var bar = 0; bar < 6; bar++)
            {
                var size = device.BarSize(bar);
                if (size == 0) continue;
                next = (next + size - 1) & ~(size - 1);
                device.AssignBar(bar, next);
                next += size;
            }
            if (next > MemoryLayout.PciMmioStart + (ulong)(slot + 1) * SlotAperture)
                throw new InvalidOperationException("a PCI device's BARs exceed its slot aperture");
            device.EnableMemoryDecoding();
            device.BarMoved += Remap;
            for (var bar = 0; bar < 6; bar++) if (device.BarSize(bar) != 0) Remap(device, bar);
            Volatile.Write(ref _slots[slot], device);
            return slot;
        }
    }

    /// <summary>Plugs a device into the first free slot; throws when the bus is full (machine construction).</summary>
    public int Add(PciDevice device)
    {
        var slot = TryAdd(device);
        return slot >= 0 ? slot : throw new InvalidOperationException("PCI bus full");
    }

    /// <summary>Takes the device out of its slot and unmaps its BARs: from now on the slot reads as empty.</summary>
    public PciDevice? Remove(int slot)
    {
        lock (_gate)
        {
            var device = Device(slot);
            if (device == null || slot == 0) return null;
            Volatile.Write(ref _slots[slot], null);
            device.BarMoved -= Remap;
            for (var bar = 0; bar < 6; bar++)
            {
                var region = device.BarRegion(bar);
                if (region != null) _mmio.Move(device, region, 0, 0);
            }
            return device;
        }
    }

    public PciDevice? Device(int slot) => slot is >= 0 and < SlotCount ? Volatile.Read(ref _slots[slot]) : null;

    private void Remap(PciDevice device, int bar)
    {
        var region = device.BarRegion(bar);
        if (region == null) return;
        var live = device.MemoryDecoding && device.BarAddress(bar) != 0;
        _mmio.Move(device, region, device.BarAddress(bar), live ? device.BarSize(bar) : 0);
    }

    /// <summary>A configuration access to bus 0; other buses and functions are absent (read all ones).</summary>
    public void ReadConfig(int bus, int slot, int function, int offset, Span<byte> data)
    {
        var device = bus == 0 && function == 0 ? Device(slot) : null;
        if (device == null) { data.Fill(0xFF); return; }
        device.ReadConfig(offset, data);
    }

    public void WriteConfig(int bus, int slot, int function, int offset, ReadOnlySpan<byte> data)
    {
        var device = bus == 0 && function == 0 ? Device(slot) : null;
        device?.WriteConfig(offset, data);
    }
}
