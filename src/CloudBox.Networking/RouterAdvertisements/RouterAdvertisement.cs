using System.Buffers.Binary;
using System.Net;

namespace CloudBox.Networking.RouterAdvertisements;

/// <summary>
/// What one router leg advertises (RFC 4861 section 4.2): itself as the default router, each
/// IPv6 prefix on the leg with the on-link (L) and autonomous (A, "configure an address from this")
/// flags, the link's MTU, the DNS servers (RDNSS, RFC 8106) and the source link-layer address.
/// <paramref name="ManagedConfiguration"/> (M) sends hosts to DHCPv6 for their addresses (dhcpv6-stateful),
/// <paramref name="OtherConfiguration"/> (O) for other settings only (dhcpv6-stateless).
/// </summary>
public sealed record RouterAdvertisement(byte[] SourceMac, int Mtu, IReadOnlyList<AdvertisedPrefix> Prefixes, IReadOnlyList<IPAddress> DnsServers,
    bool OtherConfiguration, bool ManagedConfiguration = false)
{
    public const byte RouterSolicitation = 133, RouterAdvertisementType = 134;
    public const ushort RouterLifetimeSeconds = 1800;
    public const uint ValidLifetimeSeconds = 86400, PreferredLifetimeSeconds = 14400, DnsLifetimeSeconds = 1200;

    /// <summary>The ICMPv6 message, checksum zero (the socket fills it in).</summary>
    public byte[] Build()
    {
        var message = new byte[16 + 8 + 8 + 32 * Prefixes.Count + (DnsServers.Count > 0 ? 8 + 16 * DnsServers.Count : 0)];
        var span = message.AsSpan();
        span[0] = RouterAdvertisementType;
        span[4] = 64; // current hop limit for the hosts
        span[5] = (byte)((ManagedConfiguration ? 0x80 : 0) | (OtherConfiguration ? 0x40 : 0)); // M: addresses, O: other settings (DNS) from DHCPv6
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], RouterLifetimeSeconds);
        // reachable time and retransmission timer: 0, unspecified
        var offset = 16;
        span[offset] = 1; // source link-layer address
        span[offset + 1] = 1;
        SourceMac.CopyTo(span[(offset + 2)..]);
        offset += 8;
        span[offset] = 5; // MTU
        span[offset + 1] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(span[(offset + 4)..], (uint)Mtu);
        offset += 8;
        foreach (var prefix in Prefixes)
        {
            span[offset] = 3; // prefix information
            span[offset + 1] = 4;
            span[offset + 2] = (byte)prefix.Length;
            span[offset + 3] = (byte)(0x80 | (prefix.Autonomous ? 0x40 : 0));
            BinaryPrimitives.WriteUInt32BigEndian(span[(offset + 4)..], ValidLifetimeSeconds);
            BinaryPrimitives.WriteUInt32BigEndian(span[(offset + 8)..], PreferredLifetimeSeconds);
            prefix.Network.GetAddressBytes().CopyTo(span[(offset + 16)..]);
            offset += 32;
        }
        if (DnsServers.Count > 0)
        {
            span[offset] = 25; // recursive DNS servers
            span[offset + 1] = (byte)(1 + 2 * DnsServers.Count);
            BinaryPrimitives.WriteUInt32BigEndian(span[(offset + 4)..], DnsLifetimeSeconds);
            offset += 8;
            foreach (var server in DnsServers)
            {
                server.GetAddressBytes().CopyTo(span[offset..]);
                offset += 16;
            }
        }
        return message;
    }
}

/// <summary>One prefix of an advertisement; <paramref name="Autonomous"/> lets hosts form their own (SLAAC) address in it.</summary>
public sealed record AdvertisedPrefix(IPAddress Network, int Length, bool Autonomous);
