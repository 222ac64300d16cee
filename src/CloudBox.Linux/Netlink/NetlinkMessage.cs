using System.Buffers.Binary;
using System.Text;

namespace CloudBox.Linux.Netlink;

/// <summary>
/// One netlink message being built: the 16-byte header, the family's fixed header, then
/// type-length-value attributes (4-byte aligned), possibly nested. Length and sequence are
/// filled in when the socket sends it.
/// </summary>
public sealed class NetlinkMessage
{
    public const int HeaderSize = 16;

    private byte[] _buffer = new byte[256];
    private int _length = HeaderSize;

    public NetlinkMessage(ushort type, ushort flags)
    {
        Type = type;
        Flags = flags;
    }

    public ushort Type { get; }

    public ushort Flags { get; set; }

    /// <summary>Bytes so far, header included.</summary>
    public int Length => _length;

    /// <summary>Appends raw bytes (a family header such as ifinfomsg), padded to 4 bytes.</summary>
    public NetlinkMessage Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(Align(bytes.Length));
        bytes.CopyTo(_buffer.AsSpan(_length));
        _buffer.AsSpan(_length + bytes.Length, Align(bytes.Length) - bytes.Length).Clear();
        _length += Align(bytes.Length);
        return this;
    }

    public NetlinkMessage Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        var total = 4 + value.Length;
        Ensure(Align(total));
        var span = _buffer.AsSpan(_length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)total);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        value.CopyTo(span[4..]);
        span.Slice(total, Align(total) - total).Clear();
        _length += Align(total);
        return this;
    }

    /// <summary>A NUL-terminated string attribute.</summary>
    public NetlinkMessage String(ushort type, string value)
    {
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        bytes[^1] = 0;
        return Attribute(type, bytes);
    }

    public NetlinkMessage U8(ushort type, byte value) => Attribute(type, [value]);

    public NetlinkMessage U16(ushort type, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessage U32(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return Attribute(type, bytes);
    }

    /// <summary>Network byte order, as nftables and some link attributes want.</summary>
    public NetlinkMessage U32BigEndian(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessage U16BigEndian(ushort type, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessage U64BigEndian(ushort type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return Attribute(type, bytes);
    }

    /// <summary>Opens a nested attribute; close it with <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var start = _length;
        Attribute((ushort)(type | 0x8000), []); // NLA_F_NESTED
        return start;
    }

    public NetlinkMessage EndNested(int start)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), (ushort)(_length - start));
        return this;
    }

    /// <summary>The finished bytes with length, type, flags and <paramref name="sequence"/> in the header.</summary>
    public ReadOnlySpan<byte> Complete(uint sequence)
    {
        var span = _buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)_length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], 0);
        return _buffer.AsSpan(0, _length);
    }

    public static int Align(int length) => (length + 3) & ~3;

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
    }
}
