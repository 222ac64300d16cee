using System.Buffers.Binary;
using System.Text;

namespace CloudBox.Networking.Dhcp;

/// <summary>
/// DHCPv4 (RFC 2131) as CloudBox's server needs it: read a client's request out of an IPv4/UDP
/// packet, and write a reply (offer, ack, nak) as a complete IPv4/UDP packet with the options
/// of RFC 2132 and classless static routes of RFC 3442.
/// </summary>
public static class DhcpPacket
{
    public const byte Discover = 1, Offer = 2, Request = 3, Decline = 4, Ack = 5, Nak = 6, Release = 7, Inform = 8;

    private const int BootpOffset = 28; // IPv4 header (no options) + UDP header
    private const int OptionsOffset = 240;
    private static readonly byte[] MagicCookie = [99, 130, 83, 99];

    public readonly record struct ClientRequest(byte MessageType, uint TransactionId, ushort Flags, uint ClientAddress, byte[] ClientMac,
        uint? RequestedAddress, uint? ServerId);

    /// <summary>The request in an IPv4 packet from a client, or null when it is not a DHCP request to a server.</summary>
    public static ClientRequest? Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < BootpOffset + OptionsOffset || packet[9] != 17)
            return null;
        var headerLength = (packet[0] & 0x0f) * 4;
        var udp = packet[headerLength..];
        if (BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != 67)
            return null;
        var bootp = udp[8..];
        if (bootp.Length < OptionsOffset || bootp[0] != 1 || bootp[1] != 1 || bootp[2] != 6 || !bootp[236..240].SequenceEqual(MagicCookie))
            return null;
        byte type = 0;
        uint? requested = null, server = null;
        var options = bootp[OptionsOffset..];
        while (options.Length > 0 && options[0] != 255)
        {
            if (options[0] == 0)
            {
                options = options[1..];
                continue;
            }
            if (options.Length < 2 || options.Length < 2 + options[1])
                break;
            var value = options.Slice(2, options[1]);
            switch (options[0])
            {
                case 53 when value.Length == 1:
                    type = value[0];
                    break;
                case 50 when value.Length == 4:
                    requested = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case 54 when value.Length == 4:
                    server = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
            }
            options = options[(2 + options[1])..];
        }
        if (type == 0)
            return null;
        return new ClientRequest(type, BinaryPrimitives.ReadUInt32BigEndian(bootp[4..]), BinaryPrimitives.ReadUInt16BigEndian(bootp[10..]),
            BinaryPrimitives.ReadUInt32BigEndian(bootp[12..]), bootp.Slice(28, 6).ToArray(), requested, server);
    }

    /// <summary>A reply to <paramref name="request"/> as a broadcast IPv4/UDP packet from the server.</summary>
    public static byte[] Reply(ClientRequest request, byte type, DhcpLease lease)
    {
        var options = new List<byte>();
        void Option(byte code, ReadOnlySpan<byte> value)
        {
            options.Add(code);
            options.Add((byte)value.Length);
            options.AddRange(value.ToArray());
        }
        static byte[] Be32(uint value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            return bytes;
        }
        Option(53, [type]);
        Option(54, Be32(lease.ServerId));
        if (type != Nak)
        {
            var mask = lease.PrefixLength == 0 ? 0 : uint.MaxValue << (32 - lease.PrefixLength);
            if (type != Ack || request.MessageType != Inform)
            {
                Option(51, Be32((uint)lease.LeaseSeconds));
                Option(58, Be32((uint)lease.LeaseSeconds / 2));
                Option(59, Be32((uint)lease.LeaseSeconds * 7 / 8));
            }
            Option(1, Be32(mask));
            Option(28, Be32(lease.Address | ~mask));
            if (lease.Router is { } router)
                Option(3, Be32(router));
            if (lease.DnsServers.Count > 0)
                Option(6, lease.DnsServers.SelectMany(Be32).ToArray());
            Option(26, [(byte)(lease.Mtu >> 8), (byte)lease.Mtu]);
            Option(12, Encoding.ASCII.GetBytes(lease.HostName));
            var classless = ClasslessRoutes(lease);
            if (classless.Length > 0)
                Option(121, classless);
        }
        options.Add(255);

        var bootp = new byte[OptionsOffset + options.Count];
        bootp[0] = 2;
        bootp[1] = 1;
        bootp[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(bootp.AsSpan(4), request.TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(bootp.AsSpan(10), request.Flags);
        BinaryPrimitives.WriteUInt32BigEndian(bootp.AsSpan(12), request.ClientAddress);
        if (type is Offer or Ack && request.MessageType != Inform)
            BinaryPrimitives.WriteUInt32BigEndian(bootp.AsSpan(16), lease.Address);
        request.ClientMac.CopyTo(bootp.AsSpan(28));
        MagicCookie.CopyTo(bootp.AsSpan(236));
        options.CopyTo(bootp, OptionsOffset);
        return Ipv4Udp(lease.ServerId, uint.MaxValue, bootp);
    }

    /// <summary>RFC 3442: a client given option 121 ignores option 3, so the default route is listed too.</summary>
    private static byte[] ClasslessRoutes(DhcpLease lease)
    {
        if (lease.Routes.Count == 0)
            return [];
        var bytes = new List<byte>();
        var routes = lease.Routes.ToList();
        if (lease.Router is { } router && !routes.Any(r => r.PrefixLength == 0))
            routes.Add((0, 0, router));
        foreach (var (network, prefix, nextHop) in routes)
        {
            bytes.Add((byte)prefix);
            var significant = (prefix + 7) / 8;
            for (var i = 0; i < significant; i++)
                bytes.Add((byte)(network >> (24 - 8 * i)));
            bytes.Add((byte)(nextHop >> 24));
            bytes.Add((byte)(nextHop >> 16));
            bytes.Add((byte)(nextHop >> 8));
            bytes.Add((byte)nextHop);
        }
        return bytes.ToArray();
    }

    private static byte[] Ipv4Udp(uint source, uint destination, byte[] payload)
    {
        var packet = new byte[BootpOffset + payload.Length];
        var span = packet.AsSpan();
        span[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)packet.Length);
        span[8] = 64;
        span[9] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], destination);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], HeaderChecksum(span[..20]));
        BinaryPrimitives.WriteUInt16BigEndian(span[20..], 67);
        BinaryPrimitives.WriteUInt16BigEndian(span[22..], 68);
        BinaryPrimitives.WriteUInt16BigEndian(span[24..], (ushort)(8 + payload.Length));
        // UDP checksum 0: "none", which IPv4 allows.
        payload.CopyTo(span[BootpOffset..]);
        return packet;
    }

    private static ushort HeaderChecksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xffff)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
