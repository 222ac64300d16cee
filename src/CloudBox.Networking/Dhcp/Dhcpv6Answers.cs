using System.Net;
using static CloudBox.Networking.Dhcp.Dhcpv6Message;

namespace CloudBox.Networking.Dhcp;

/// <summary>
/// How CloudBox's DHCPv6 server answers one client message (RFC 8415 section 18.3), given the
/// client's lease. Addresses are a lookup, as in DHCPv4: the client always gets its port's fixed
/// IPv6 address, whatever it asks for; other addresses it renews are given back with lifetime zero
/// so it drops them (after a port's fixed IP changed). Null means no answer.
/// </summary>
public static class Dhcpv6Answers
{
    public static Dhcpv6Message? Answer(Dhcpv6Message request, Dhcpv6Lease lease, byte[] serverDuid)
    {
        var clientId = request.Option(ClientId);
        var serverId = request.Option(ServerId);
        var ours = serverId is not null && serverId.AsSpan().SequenceEqual(serverDuid);
        switch (request.Type)
        {
            case Solicit when clientId is not null && serverId is null && lease.Addresses.Count > 0:
            {
                var rapid = request.Has(RapidCommit);
                var reply = Start(rapid ? Reply : Advertise, request, serverDuid, clientId);
                if (rapid)
                    reply.Add(RapidCommit, []);
                return Settings(Associations(reply, request, lease, renewal: false), lease);
            }
            case Request or Renew when clientId is not null && ours:
            case Rebind when clientId is not null && serverId is null:
                return Settings(Associations(Start(Reply, request, serverDuid, clientId), request, lease, renewal: request.Type != Request), lease);
            case Confirm when clientId is not null && serverId is null:
            {
                var addresses = request.AddressAssociations().SelectMany(ia => ia.Addresses).ToList();
                if (addresses.Count == 0)
                    return null; // RFC 8415 18.3.3: nothing to confirm, no reply
                var onLink = addresses.All(lease.IsOnLink);
                return Start(Reply, request, serverDuid, clientId)
                    .Add(StatusCode, Status(onLink ? Success : NotOnLink, onLink ? "All addresses still on link." : "Some addresses are not on link."));
            }
            case Release or Decline when clientId is not null && ours:
                // The address is the port's for as long as the port lives: nothing to free, nothing to mark.
                return Start(Reply, request, serverDuid, clientId).Add(StatusCode, Status(Success, "Release received."));
            case InformationRequest when (serverId is null || ours) && !request.Has(IaNa) && !request.Has(IaTa) && !request.Has(IaPd):
                return Settings(Start(Reply, request, serverDuid, clientId), lease);
            default:
                return null;
        }
    }

    private static Dhcpv6Message Start(byte type, Dhcpv6Message request, byte[] serverDuid, byte[]? clientId)
    {
        var reply = new Dhcpv6Message(type, request.TransactionId).Add(ServerId, serverDuid);
        if (clientId is not null)
            reply.Add(ClientId, clientId);
        return reply;
    }

    /// <summary>
    /// The port's addresses go into the client's first IA_NA; a further IA_NA gets none (each address
    /// is the port's one binding). On renewal, addresses the client holds that are no longer the
    /// port's come back with lifetime zero.
    /// </summary>
    private static Dhcpv6Message Associations(Dhcpv6Message reply, Dhcpv6Message request, Dhcpv6Lease lease, bool renewal)
    {
        var first = true;
        foreach (var ia in request.AddressAssociations())
        {
            if (!first || lease.Addresses.Count == 0)
            {
                reply.Add(IaNa, AddressAssociation(ia.Iaid, 0, 0, [], (NoAddressesAvailable, "No addresses available for this IA.")));
                continue;
            }
            first = false;
            var given = lease.Addresses.Select(a => (a, lease.PreferredSeconds, lease.ValidSeconds));
            var dropped = renewal ? ia.Addresses.Where(a => !lease.Addresses.Contains(a)).Select(a => (a, 0u, 0u)) : [];
            reply.Add(IaNa, AddressAssociation(ia.Iaid, lease.RenewSeconds, lease.RebindSeconds, given.Concat(dropped)));
        }
        return reply;
    }

    private static Dhcpv6Message Settings(Dhcpv6Message reply, Dhcpv6Lease lease)
    {
        if (lease.DnsServers.Count > 0)
            reply.Add(DnsServers, Addresses(lease.DnsServers));
        if (lease.DomainSearch.Count > 0)
            reply.Add(DomainList, DomainNames(lease.DomainSearch));
        return reply;
    }
}
