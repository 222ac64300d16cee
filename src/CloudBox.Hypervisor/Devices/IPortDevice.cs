namespace CloudBox.Hypervisor.Devices;

/// <summary>A device on the x86 I/O port bus. Called on vCPU threads: no allocation, no blocking.</summary>
public interface IPortDevice
{
    void Read(ushort port, Span<byte> data);

    void Write(ushort port, ReadOnlySpan<byte> data);
}
