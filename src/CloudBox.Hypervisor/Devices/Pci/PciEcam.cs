namespace CloudBox.Hypervisor.Devices.Pci;

/// <summary>The memory-mapped (ECAM) configuration window: one MMIO exit per access instead of two port exits.</summary>
public sealed class PciEcam(PciBus bus) : IMmioDevice
{
    public void Read(ulong offset, Span<byte> data) =>
        bus.ReadConfig((int)(offset >> 20), (int)(offset >> 15) & 0x1F, (int)(offset >> 12) & 7, (int)(offset & 0xFFF), data);

    public void Write(ulong offset, ReadOnlySpan<byte> data) =>
        bus.WriteConfig((int)(offset >> 20), (int)(offset >> 15) & 0x1F, (int)(offset >> 12) & 7, (int)(offset & 0xFFF), data);
}
