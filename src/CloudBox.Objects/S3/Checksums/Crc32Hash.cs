using System.Buffers.Binary;

namespace CloudBox.Objects.S3.Checksums;

/// <summary>
/// CRC-32 (ISO-HDLC, what S3 calls CRC32) and CRC-32C (Castagnoli, S3's CRC32C), reflected,
/// table-driven; the value S3 exchanges is the big-endian 4 bytes in base64.
/// </summary>
internal sealed class Crc32Hash : IObjectChecksum
{
    public static readonly uint[] IsoTable = Table(0xEDB88320u);
    public static readonly uint[] CastagnoliTable = Table(0x82F63B78u);

    private readonly uint[] _table;
    private uint _crc = 0xFFFFFFFFu;

    public Crc32Hash(uint[] table) => _table = table;

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _crc;
        foreach (var b in data)
            crc = _table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        _crc = crc;
    }

    public string Base64()
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, ~_crc);
        return Convert.ToBase64String(bytes);
    }

    public void Dispose()
    {
    }

    private static uint[] Table(uint polynomial)
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var value = i;
            for (var bit = 0; bit < 8; bit++)
                value = (value & 1) != 0 ? (value >> 1) ^ polynomial : value >> 1;
            table[i] = value;
        }
        return table;
    }
}
