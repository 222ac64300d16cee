namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>Just enough of the PS/2 controller (0x60, 0x64) for the CPU reset command (0xFE) that guests use to reboot.</summary>
public sealed class I8042Controller(PowerControl power) : IPortDevice
{
    public const ushort DataPort = 0x60;
    public const ushort CommandPort = 0x64;
    private const byte ResetCommand = 0xFE;

    public void Read(ushort port, Span<byte> data) => data.Clear(); // empty buffers, nothing pending

    public void Write(ushort port, ReadOnlySpan<byte> data)
    {
        if (port == CommandPort && data[0] == ResetCommand) power.Reset();
    }
}
