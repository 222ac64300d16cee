using System.Buffers.Binary;
using System.Text;

namespace CloudBox.Linux.Netlink;

/// <summary>The attributes of a received message, by type (nested flag masked off); later duplicates win.</summary>
public sealed class NetlinkAttributes
{
    private readonly Dictionary<ushort, byte[]> _values = [];

    public static NetlinkAttributes Parse(ReadOnlySpan<byte> data)
    {
        var attributes = new NetlinkAttributes();
        while (data.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(data);
            var type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(data[2..]) & 0x3fff);
            if (length < 4 || length > data.Length)
                break;
            attributes._values[type] = data[4..length].ToArray();
            data = data[Math.Min(NetlinkMessage.Align(length), data.Length)..];
        }
        return attributes;
    }

    public byte[]? this[ushort type] => _values.GetValueOrDefault(type);

    public string? String(ushort type) =>
        _values.TryGetValue(type, out var value) ? Encoding.UTF8.GetString(value).TrimEnd('\0') : null;

    public uint? U32(ushort type) =>
        _values.TryGetValue(type, out var value) && value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(value) : null;

    public NetlinkAttributes? Nested(ushort type) => _values.TryGetValue(type, out var value) ? Parse(value) : null;
}
