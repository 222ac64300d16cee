using System.Text;

namespace CloudBox.Hypervisor.Boot.Acpi;

/// <summary>An ACPI system description table under construction: standard header, body, length and checksum fixed on finish.</summary>
public sealed class AcpiTable
{
    public const string OemId = "CLDBOX";
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _writer;

    public AcpiTable(string signature, byte revision)
    {
        _writer = new BinaryWriter(_stream);
        _writer.Write(Encoding.ASCII.GetBytes(signature));
        _writer.Write(0u); // length, patched
        _writer.Write(revision);
        _writer.Write((byte)0); // checksum, patched
        _writer.Write(Encoding.ASCII.GetBytes(OemId));
        _writer.Write(Encoding.ASCII.GetBytes(("CB" + signature).PadRight(8)));
        _writer.Write(1u); // OEM revision
        _writer.Write(Encoding.ASCII.GetBytes("CBVM"));
        _writer.Write(1u); // creator revision
    }

    public BinaryWriter Body => _writer;

    public byte[] Finish()
    {
        _writer.Flush();
        var bytes = _stream.ToArray();
        BitConverter.TryWriteBytes(bytes.AsSpan(4), (uint)bytes.Length);
        bytes[9] = Checksum(bytes);
        return bytes;
    }

    /// <summary>The byte that makes the sum of all bytes zero.</summary>
    public static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (var b in bytes) sum += b;
        return (byte)(0 - sum);
    }
}
