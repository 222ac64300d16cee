using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace CloudBox.Networking.Dhcp;

/// <summary>
/// A DHCPv6 message (RFC 8415 section 8): type, 24-bit transaction id and options (code, length,
/// value), with the few option layouts CloudBox's server reads and writes: identity associations
/// for non-temporary addresses and their addresses, status codes, DNS servers and the search list (RFC 3646).
/// </summary>
public sealed class Dhcpv6Message(byte type, int transactionId)
{
    public const byte Solicit = 1, Advertise = 2, Request = 3, Confirm = 4, Renew = 5, Rebind = 6, Reply = 7, Release = 8, Decline = 9,
        InformationRequest = 11;

    public const ushort ClientId = 1, ServerId = 2, IaNa = 3, IaTa = 4, IaAddress = 5, OptionRequest = 6, ElapsedTime = 8, StatusCode = 13,
        RapidCommit = 14, DnsServers = 23, DomainList = 24, IaPd = 25;

    public const ushort Success = 0, NoAddressesAvailable = 2, NoBinding = 3, NotOnLink = 4;

    public byte Type { get; } = type;
    public int TransactionId { get; } = transactionId & 0xffffff;
    public List<(ushort Code, byte[] Value)> Options { get; } = [];

    public byte[]? Option(ushort code) => Options.FirstOrDefault(o => o.Code == code).Value;

    public bool Has(ushort code) => Options.Any(o => o.Code == code);

    public Dhcpv6Message Add(ushort code, byte[] value)
    {
        Options.Add((code, value));
        return this;
    }

    /// <summary>The message in a UDP payload, or null when it is too short or its options overrun it.</summary>
    public static Dhcpv6Message? Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
            return null;
        var message = new Dhcpv6Message(payload[0], (payload[1] << 16) | (payload[2] << 8) | payload[3]);
        return ReadOptions(payload[4..], message.Options) ? message : null;
    }

    public byte[] Build()
    {
        var result = new byte[4 + Options.Sum(o => 4 + o.Value.Length)];
        result[0] = Type;
        result[1] = (byte)(TransactionId >> 16);
        result[2] = (byte)(TransactionId >> 8);
        result[3] = (byte)TransactionId;
        WriteOptions(result.AsSpan(4), Options);
        return result;
    }

    /// <summary>An identity association for non-temporary addresses: its IAID, renewal times and the addresses in it.</summary>
    public sealed record IdentityAssociation(uint Iaid, uint T1, uint T2, IReadOnlyList<IPAddress> Addresses);

    /// <summary>Every IA_NA of the message (a client may ask for several).</summary>
    public IEnumerable<IdentityAssociation> AddressAssociations()
    {
        foreach (var (code, value) in Options)
        {
            if (code != IaNa || value.Length < 12)
                continue;
            var inner = new List<(ushort Code, byte[] Value)>();
            if (!ReadOptions(value.AsSpan(12), inner))
                continue;
            var addresses = inner.Where(o => o.Code == IaAddress && o.Value.Length >= 24).Select(o => new IPAddress(o.Value.AsSpan(0, 16))).ToList();
            yield return new IdentityAssociation(BinaryPrimitives.ReadUInt32BigEndian(value), BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(4)),
                BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(8)), addresses);
        }
    }

    /// <summary>An IA_NA option value holding <paramref name="addresses"/> (address, preferred and valid lifetime), or only a status.</summary>
    public static byte[] AddressAssociation(uint iaid, uint t1, uint t2, IEnumerable<(IPAddress Address, uint Preferred, uint Valid)> addresses,
        (ushort Code, string Message)? status = null)
    {
        var inner = addresses.Select(a =>
        {
            var value = new byte[24];
            a.Address.GetAddressBytes().CopyTo(value, 0);
            BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(16), a.Preferred);
            BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(20), a.Valid);
            return (IaAddress, value);
        }).ToList();
        if (status is { } s)
            inner.Add((StatusCode, Status(s.Code, s.Message)));
        var result = new byte[12 + inner.Sum(o => 4 + o.value.Length)];
        BinaryPrimitives.WriteUInt32BigEndian(result, iaid);
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(4), t1);
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(8), t2);
        WriteOptions(result.AsSpan(12), inner);
        return result;
    }

    public static byte[] Status(ushort code, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var result = new byte[2 + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(result, code);
        text.CopyTo(result, 2);
        return result;
    }

    /// <summary>The status code of a Status Code option value (Success when absent).</summary>
    public static ushort StatusOf(byte[]? value) => value is { Length: >= 2 } ? BinaryPrimitives.ReadUInt16BigEndian(value) : Success;

    public static byte[] Addresses(IEnumerable<IPAddress> addresses) => [.. addresses.SelectMany(a => a.GetAddressBytes())];

    /// <summary>Domain names in DNS wire format (RFC 1035 section 3.1, uncompressed), one after another.</summary>
    public static byte[] DomainNames(IEnumerable<string> names)
    {
        var result = new List<byte>();
        foreach (var name in names)
        {
            foreach (var label in name.Trim('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                var bytes = Encoding.ASCII.GetBytes(label);
                result.Add((byte)Math.Min(bytes.Length, 63));
                result.AddRange(bytes.Take(63));
            }
            result.Add(0);
        }
        return [.. result];
    }

    /// <summary>The DUID's link-layer address when it is DUID-LLT (type 1) or DUID-LL (type 3) of Ethernet, else null.</summary>
    public static byte[]? MacOfDuid(byte[]? duid) => duid switch
    {
        { Length: 14 } when duid[0] == 0 && duid[1] == 1 && duid[2] == 0 && duid[3] == 1 => duid[8..14],
        { Length: 10 } when duid[0] == 0 && duid[1] == 3 && duid[2] == 0 && duid[3] == 1 => duid[4..10],
        _ => null,
    };

    /// <summary>A DUID-LL (RFC 8415 section 11.4) for an Ethernet MAC: how the server names itself.</summary>
    public static byte[] LinkLayerDuid(byte[] mac) => [0, 3, 0, 1, .. mac];

    private static bool ReadOptions(ReadOnlySpan<byte> data, List<(ushort Code, byte[] Value)> into)
    {
        while (data.Length > 0)
        {
            if (data.Length < 4)
                return false;
            var code = BinaryPrimitives.ReadUInt16BigEndian(data);
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            if (data.Length < 4 + length)
                return false;
            into.Add((code, data.Slice(4, length).ToArray()));
            data = data[(4 + length)..];
        }
        return true;
    }

    private static void WriteOptions(Span<byte> span, IEnumerable<(ushort Code, byte[] Value)> options)
    {
        foreach (var (code, value) in options)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, code);
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)value.Length);
            value.CopyTo(span[4..]);
            span = span[(4 + value.Length)..];
        }
    }
}
