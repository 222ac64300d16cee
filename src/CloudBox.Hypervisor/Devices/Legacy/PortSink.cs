namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>Ports guests poke that need no behaviour (POST code 0x80, PIC/PIT are in-kernel): reads zero, writes ignored.</summary>
public sealed class PortSink : IPortDevice
{
    public void Read(ushort port, Span<byte> data) => data.Clear();

    public void Write(ushort port, ReadOnlySpan<byte> data)
    {
    }
}
