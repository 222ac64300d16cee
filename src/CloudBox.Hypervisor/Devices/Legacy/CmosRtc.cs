namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>The MC146818 CMOS real-time clock at 0x70/0x71: the current UTC time in BCD, never updating mid-read.</summary>
public sealed class CmosRtc : IPortDevice
{
    public const ushort IndexPort = 0x70;
    public const ushort DataPort = 0x71;

    private readonly byte[] _ram = new byte[128];
    private readonly ulong _memoryBelow4G;
    private readonly ulong _memoryAbove4G;
    private byte _index;

    public CmosRtc(ulong lowMemory, ulong highMemory)
    {
        _memoryBelow4G = lowMemory;
        _memoryAbove4G = highMemory;
    }

    public void Read(ushort port, Span<byte> data)
    {
        data.Clear();
        data[0] = port == IndexPort ? _index : Register(_index);
    }

    public void Write(ushort port, ReadOnlySpan<byte> data)
    {
        if (port == IndexPort) _index = (byte)(data[0] & 0x7F); // bit 7 is the NMI mask
        else if (_index >= 0x0E) _ram[_index] = data[0];
    }

    private byte Register(byte index)
    {
        var now = DateTime.UtcNow;
        return index switch
        {
            0x00 => Bcd(now.Second),
            0x02 => Bcd(now.Minute),
            0x04 => Bcd(now.Hour),
            0x06 => (byte)((int)now.DayOfWeek + 1),
            0x07 => Bcd(now.Day),
            0x08 => Bcd(now.Month),
            0x09 => Bcd(now.Year % 100),
            0x32 => Bcd(now.Year / 100),
            0x0A => 0x26, // 32.768 kHz base, 1.024 kHz rate, update not in progress
            0x0B => 0x02, // 24-hour mode, BCD
            0x0C => 0x00,
            0x0D => 0x80, // battery good
            // Memory size registers, as firmware leaves them (64 KiB units above 16 MiB, above 4 GiB).
            0x34 => (byte)(Above16M() & 0xFF),
            0x35 => (byte)(Above16M() >> 8),
            0x5B => (byte)((_memoryAbove4G >> 16) & 0xFF),
            0x5C => (byte)((_memoryAbove4G >> 24) & 0xFF),
            0x5D => (byte)((_memoryAbove4G >> 32) & 0xFF),
            _ => _ram[index],
        };
    }

    private ulong Above16M() => _memoryBelow4G > 16 * 1024 * 1024 ? Math.Min((_memoryBelow4G - 16 * 1024 * 1024) >> 16, 0xFFFF) : 0;

    private static byte Bcd(int value) => (byte)(((value / 10) << 4) | (value % 10));
}
