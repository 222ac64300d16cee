namespace CloudBox.Hypervisor.Devices.Pci;

/// <summary>Device 0 on bus 0: the host bridge, with no BARs.</summary>
public sealed class PciHostBridge : PciDevice
{
    public PciHostBridge() : base(0x8086, 0x0D57, 0x060000, 0, 0x1AF4, 0x1100)
    {
    }

    public override IMmioDevice? BarRegion(int bar) => null;

    protected override void WriteCapability(int offset, ReadOnlySpan<byte> data)
    {
    }
}
