using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Devices.Pci;

/// <summary>Bus 0: up to 32 single-function devices, BARs placed in the 32-bit MMIO window and mapped on the MMIO bus.</summary>
public sealed class PciBus
{
    private readonly PciDevice?[] _slots = new PciDevice?[32];
    private readonly MmioBus _mmio;
    private ulong _nextBarAddress = MemoryLayout.PciMmioStart;

    public PciBus(MmioBus mmio)
    {
        _mmio = mmio;
        _slots[0] = new PciHostBridge();
    }

    /// <summary>Plugs a device into the next free slot, places its BARs and maps them. Returns the slot number.</summary>
    public int Add(PciDevice device)
    {
        var slot = Array.IndexOf(_slots, null);
        if (slot < 0) throw new InvalidOperationException("PCI bus full");
        _slots[slot] = device;
        for (var bar = 0; bar < 6; bar++)
        {
            var size = device.BarSize(bar);
            if (size == 0) continue;
            _nextBarAddress = (_nextBarAddress + size - 1) & ~(size - 1);
            device.AssignBar(bar, _nextBarAddress);
            _nextBarAddress += size;
        }
        device.EnableMemoryDecoding();
        device.BarMoved += Remap;
        for (var bar = 0; bar < 6; bar++) if (device.BarSize(bar) != 0) Remap(device, bar);
        return slot;
    }

    public PciDevice? Device(int slot) => slot is >= 0 and < 32 ? _slots[slot] : null;

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
