using System.Buffers.Binary;
using System.Net;

namespace CloudBox.Networking.Dhcp;

/// <summary>
/// A UDP datagram in an IPv6 packet (no extension headers, as DHCPv6 sends them), read from and
/// written to a packet socket: CloudBox's DHCPv6 server speaks from a bridge that has no IPv6 stack.
/// </summary>
public readonly record struct Ipv6UdpDatagram(IPAddress Source, IPAddress Destination, int SourcePort, int DestinationPort, byte[] Payload)
{
    private const int HeaderLength = 40, UdpHeaderLength = 8;
    private const byte Udp = 17;

    /// <summary>The datagram in <paramref name="packet"/>, or null when it is not UDP over IPv6 with a sound length.</summary>
    public static Ipv6UdpDatagram? Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderLength + UdpHeaderLength || packet[0] >> 4 != 6 || packet[6] != Udp)
            return null;
        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var udp = packet[HeaderLength..];
        var udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (payloadLength > udp.Length || udpLength < UdpHeaderLength || udpLength > payloadLength)
            return null;
        return new Ipv6UdpDatagram(new IPAddress(packet.Slice(8, 16)), new IPAddress(packet.Slice(24, 16)),
            BinaryPrimitives.ReadUInt16BigEndian(udp), BinaryPrimitives.ReadUInt16BigEndian(udp[2..]), udp[UdpHeaderLength..udpLength].ToArray());
    }

    /// <summary>The whole IPv6 packet, UDP checksum included (mandatory over IPv6).</summary>
    public byte[] Build(byte hopLimit = 64)
    {
        var udpLength = UdpHeaderLength + Payload.Length;
        var packet = new byte[HeaderLength + udpLength];
        var span = packet.AsSpan();
        span[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)udpLength);
        span[6] = Udp;
        span[7] = hopLimit;
        Source.GetAddressBytes().CopyTo(span[8..]);
        Destination.GetAddressBytes().CopyTo(span[24..]);
        var udp = span[HeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        Payload.CopyTo(udp[UdpHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], Checksum(span[8..40], udp));
        return packet;
    }

    /// <summary>RFC 2460 section 8.1: the one's-complement sum over the pseudo-header (addresses, length, next header) and the datagram.</summary>
    private static ushort Checksum(ReadOnlySpan<byte> addresses, ReadOnlySpan<byte> udp)
    {
        ulong sum = (uint)udp.Length + Udp;
        sum += Sum(addresses) + Sum(udp);
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        var result = (ushort)~sum;
        return result == 0 ? (ushort)0xffff : result;
    }

    private static ulong Sum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1)
            sum += (ulong)data[^1] << 8;
        return sum;
    }
}
