namespace CloudBox.Hypervisor.Devices;

/// <summary>A device region on the MMIO bus, addressed by offset from its base. Called on vCPU threads.</summary>
public interface IMmioDevice
{
    void Read(ulong offset, Span<byte> data);

    void Write(ulong offset, ReadOnlySpan<byte> data);
}
