namespace CloudBox.Hypervisor.Boot.Acpi;

/// <summary>ACPI resource descriptors (_CRS contents) for the PCI root bridge windows.</summary>
public sealed class ResourceTemplate
{
    private const byte ProducerFixedRange = 0x0C; // min and max fixed, produced for children
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _w;

    public ResourceTemplate() => _w = new BinaryWriter(_stream);

    public ResourceTemplate BusNumbers(ushort first, ushort last) => Word(2, 0, first, last);

    public ResourceTemplate IoWindow(ushort first, ushort last) => Word(1, 0x03, first, last);

    /// <summary>A fixed 16-bit-decoded I/O port range the bridge itself consumes (0xCF8).</summary>
    public ResourceTemplate IoPorts(ushort first, byte length)
    {
        _w.Write((byte)0x47);
        _w.Write((byte)1);
        _w.Write(first);
        _w.Write(first);
        _w.Write((byte)1);
        _w.Write(length);
        return this;
    }

    public ResourceTemplate Memory32Window(uint first, uint last)
    {
        _w.Write((byte)0x87);
        _w.Write((ushort)23);
        _w.Write((byte)0); // memory
        _w.Write(ProducerFixedRange);
        _w.Write((byte)0x01); // read-write, non-cacheable
        _w.Write(0u);
        _w.Write(first);
        _w.Write(last);
        _w.Write(0u);
        _w.Write(last - first + 1);
        return this;
    }

    /// <summary>An extended interrupt descriptor: one edge-triggered, active-high GSI the device consumes.</summary>
    public ResourceTemplate EdgeInterrupt(uint gsi)
    {
        _w.Write((byte)0x89);
        _w.Write((ushort)6);
        _w.Write((byte)0x03); // consumer, edge, active high, exclusive
        _w.Write((byte)1);
        _w.Write(gsi);
        return this;
    }

    public byte[] Build()
    {
        _w.Write((byte)0x79);
        _w.Write((byte)0);
        _w.Flush();
        return _stream.ToArray();
    }

    private ResourceTemplate Word(byte type, byte typeFlags, ushort first, ushort last)
    {
        _w.Write((byte)0x88);
        _w.Write((ushort)13);
        _w.Write(type);
        _w.Write(ProducerFixedRange);
        _w.Write(typeFlags);
        _w.Write((ushort)0);
        _w.Write(first);
        _w.Write(last);
        _w.Write((ushort)0);
        _w.Write((ushort)(last - first + 1));
        return this;
    }
}
