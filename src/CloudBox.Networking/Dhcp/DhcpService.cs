using System.Text.Json.Nodes;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Subnets;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.Dhcp;

/// <summary>One DHCP server per network with a DHCP-enabled subnet, kept in step with the database by the data plane.</summary>
public sealed class DhcpService(NetworkSettings settings, ILoggerFactory loggers) : IDisposable
{
    private readonly Dictionary<string, DhcpServer> _servers = [];
    private readonly Lock _gate = new();

    /// <summary>Starts, updates and stops servers so each bridge with DHCP ports answers for exactly them.</summary>
    public void Apply(DesiredState state, IReadOnlyDictionary<string, string> bridgeOfNetwork)
    {
        var wanted = new Dictionary<string, Dictionary<string, DhcpLease>>();
        foreach (var port in state.InstancePorts())
        {
            if (!bridgeOfNetwork.TryGetValue(port["network_id"]!.GetValue<string>(), out var bridge))
                continue;
            var network = state.Networks.First(n => n["id"]!.GetValue<string>() == port["network_id"]!.GetValue<string>());
            foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
            {
                if (!state.Subnets.TryGetValue(fixedIp!["subnet_id"]!.GetValue<string>(), out var subnet) || subnet["enable_dhcp"]?.GetValue<bool>() != true
                    || Ipv6Layout.IsIpv6(subnet))
                    continue; // IPv6 subnets: addresses come by SLAAC from the router's advertisements
                var lease = LeaseFor(fixedIp["ip_address"]!.GetValue<string>(), subnet, network["mtu"]?.GetValue<int>() ?? 1500);
                if (!wanted.TryGetValue(bridge, out var leases))
                    wanted[bridge] = leases = [];
                leases.TryAdd(port["mac_address"]!.GetValue<string>(), lease);
                break; // one address per port over DHCPv4
            }
        }
        lock (_gate)
        {
            foreach (var bridge in _servers.Keys.Where(b => !wanted.ContainsKey(b)).ToList())
            {
                _servers[bridge].Dispose();
                _servers.Remove(bridge);
            }
            foreach (var (bridge, leases) in wanted)
            {
                if (_servers.TryGetValue(bridge, out var server))
                    server.Update(leases);
                else
                    _servers[bridge] = new DhcpServer(bridge, settings.NetworkNamespace, leases, loggers.CreateLogger<DhcpServer>());
            }
        }
    }

    /// <summary>
    /// The server speaks as the subnet's gateway address when there is one (so a lease names a
    /// router the client can reach), else as the subnet's first address.
    /// </summary>
    private static DhcpLease LeaseFor(string address, JsonObject subnet, int mtu)
    {
        var layout = SubnetLayout.FromStored(subnet);
        var ip = Ipv4.TryParse(address)!.Value;
        var dns = ((JsonArray?)subnet["dns_nameservers"] ?? []).Select(d => Ipv4.TryParse(d!.GetValue<string>())!.Value).ToList();
        var routes = ((JsonArray?)subnet["host_routes"] ?? []).Select(r =>
        {
            var cidr = Ipv4Cidr.TryParse(r!["destination"]!.GetValue<string>(), out _)!.Value;
            return (cidr.Network, cidr.PrefixLength, Ipv4.TryParse(r["nexthop"]!.GetValue<string>())!.Value);
        }).ToList();
        // The metadata address is on-link (next hop 0.0.0.0, RFC 3442): the network's bridge holds it, with or without a router.
        var metadata = Ipv4.TryParse(Metadata.MetadataServer.Address.ToString())!.Value;
        if (!routes.Any(r => r.Network == metadata && r.PrefixLength == 32))
            routes.Add((metadata, 32, 0u));
        return new DhcpLease(ip, layout.Cidr.PrefixLength, layout.Gateway ?? layout.HostRange.First, layout.Gateway, dns, mtu, routes,
            "host-" + address.Replace('.', '-'));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var server in _servers.Values)
                server.Dispose();
            _servers.Clear();
        }
    }
}
