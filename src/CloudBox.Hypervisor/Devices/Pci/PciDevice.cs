using System.Buffers.Binary;

namespace CloudBox.Hypervisor.Devices.Pci;

/// <summary>
/// A PCI function's type-0 configuration space with 64-bit memory BARs. The guest sizes BARs by writing all ones;
/// when it moves one or toggles memory decoding, <see cref="BarMoved"/> lets the bus remap the region.
/// </summary>
public abstract class PciDevice
{
    public const int ConfigSize = 4096;
    private const int CommandOffset = 0x04;
    private const ushort CommandMemory = 0x02;
    private const int BarOffset = 0x10;

    protected readonly byte[] Config = new byte[ConfigSize];
    private readonly ulong[] _barSize = new ulong[6];
    private readonly ulong[] _barAddress = new ulong[6];

    protected PciDevice(ushort vendor, ushort device, uint classCode, byte revision, ushort subsystemVendor, ushort subsystemId)
    {
        Write16(0x00, vendor);
        Write16(0x02, device);
        Config[0x08] = revision;
        Config[0x09] = (byte)classCode;
        Config[0x0A] = (byte)(classCode >> 8);
        Config[0x0B] = (byte)(classCode >> 16);
        Write16(0x2C, subsystemVendor);
        Write16(0x2E, subsystemId);
    }

    /// <summary>Raised with the BAR index after its address or decoding changed.</summary>
    public event Action<PciDevice, int>? BarMoved;

    public bool MemoryDecoding => (BinaryPrimitives.ReadUInt16LittleEndian(Config.AsSpan(CommandOffset)) & CommandMemory) != 0;

    public ulong BarSize(int bar) => _barSize[bar];

    public ulong BarAddress(int bar) => _barAddress[bar];

    /// <summary>The MMIO region behind a BAR.</summary>
    public abstract IMmioDevice? BarRegion(int bar);

    /// <summary>Declares a 64-bit non-prefetchable memory BAR (occupies bar and bar+1) at an initial address.</summary>
    protected void DeclareMemoryBar64(int bar, ulong size)
    {
        _barSize[bar] = size;
        Config[BarOffset + bar * 4] = 0x04; // memory, 64-bit
    }

    /// <summary>Firmware-style initial placement (the guest usually keeps it).</summary>
    public void AssignBar(int bar, ulong address)
    {
        _barAddress[bar] = address;
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(Config.AsSpan(BarOffset + bar * 4)) & 0xF;
        BinaryPrimitives.WriteUInt32LittleEndian(Config.AsSpan(BarOffset + bar * 4), (uint)address | flags);
        BinaryPrimitives.WriteUInt32LittleEndian(Config.AsSpan(BarOffset + bar * 4 + 4), (uint)(address >> 32));
    }

    public void EnableMemoryDecoding() => Write16(CommandOffset, (ushort)(Read16(CommandOffset) | CommandMemory | 0x04));

    public void ReadConfig(int offset, Span<byte> data)
    {
        if (offset + data.Length > ConfigSize) { data.Fill(0xFF); return; }
        Config.AsSpan(offset, data.Length).CopyTo(data);
    }

    public void WriteConfig(int offset, ReadOnlySpan<byte> data)
    {
        if (offset + data.Length > ConfigSize) return;
        if (offset >= BarOffset && offset < BarOffset + 24)
        {
            WriteBar(offset, data);
            return;
        }
        if (offset >= CommandOffset && offset < CommandOffset + 2)
        {
            var before = MemoryDecoding;
            Config[offset] = data[0];
            if (data.Length > 1 && offset == CommandOffset) Config[offset + 1] = data[1];
            if (before != MemoryDecoding)
                for (var bar = 0; bar < 6; bar++)
                    if (_barSize[bar] != 0) BarMoved?.Invoke(this, bar);
            return;
        }
        if (offset == 0x3C && data.Length >= 1)
        {
            Config[0x3C] = data[0]; // interrupt line: scratch for the OS
            return;
        }
        if (offset >= 0x40) WriteCapability(offset, data);
    }

    /// <summary>Writes into the capability list (MSI-X message control, virtio config access).</summary>
    protected abstract void WriteCapability(int offset, ReadOnlySpan<byte> data);

    private void WriteBar(int offset, ReadOnlySpan<byte> data)
    {
        // Only dword writes to BAR registers are meaningful (that is what every OS does).
        if (data.Length != 4 || (offset & 3) != 0) return;
        var index = (offset - BarOffset) / 4;
        var value = BinaryPrimitives.ReadUInt32LittleEndian(data);
        var bar = index;
        var high = false;
        if (_barSize[index] == 0 && index > 0 && _barSize[index - 1] != 0)
        {
            bar = index - 1; // upper half of a 64-bit BAR
            high = true;
        }
        var size = _barSize[bar];
        if (size == 0) return; // unimplemented BAR reads as zero
        var address = _barAddress[bar];
        address = high
            ? (address & 0xFFFFFFFFUL) | ((ulong)value << 32 & ~(size - 1))
            : (address & 0xFFFFFFFF00000000UL) | (value & ~(uint)(size - 1) & 0xFFFFFFF0u);
        var flags = Config[BarOffset + bar * 4] & 0xF;
        BinaryPrimitives.WriteUInt32LittleEndian(Config.AsSpan(BarOffset + bar * 4), (uint)address | (uint)flags);
        BinaryPrimitives.WriteUInt32LittleEndian(Config.AsSpan(BarOffset + bar * 4 + 4), (uint)(address >> 32));
        if (address != _barAddress[bar])
        {
            _barAddress[bar] = address;
            BarMoved?.Invoke(this, bar);
        }
    }

    protected ushort Read16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(Config.AsSpan(offset));

    protected void Write16(int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Config.AsSpan(offset), value);

    protected void Write32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Config.AsSpan(offset), value);
}
