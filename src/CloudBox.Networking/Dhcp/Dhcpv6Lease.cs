using System.Net;

namespace CloudBox.Networking.Dhcp;

/// <summary>
/// What CloudBox's DHCPv6 server tells the holder of one MAC: the port's fixed IPv6 addresses on
/// stateful subnets (none when its subnets are stateless: then only settings), the prefixes the
/// port is on (for CONFIRM), the DNS servers and the domain search list.
/// </summary>
public sealed record Dhcpv6Lease(
    IReadOnlyList<IPAddress> Addresses,
    IReadOnlyList<(IPAddress Network, int PrefixLength)> Prefixes,
    IReadOnlyList<IPAddress> DnsServers,
    IReadOnlyList<string> DomainSearch,
    uint PreferredSeconds = 14400,
    uint ValidSeconds = 86400)
{
    /// <summary>When the client renews with this server (T1) and with any server (T2): RFC 8415's recommended 0.5 and 0.8 of the preferred lifetime.</summary>
    public uint RenewSeconds => PreferredSeconds / 2;

    public uint RebindSeconds => PreferredSeconds / 5 * 4;

    /// <summary>Whether <paramref name="address"/> lies in one of the port's prefixes.</summary>
    public bool IsOnLink(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return Prefixes.Any(p =>
        {
            var network = p.Network.GetAddressBytes();
            for (var bit = 0; bit < p.PrefixLength; bit++)
            {
                var mask = (byte)(0x80 >> (bit % 8));
                if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask))
                    return false;
            }
            return true;
        });
    }
}
