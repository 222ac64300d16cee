using System.Text.Json.Nodes;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Subnets;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.Dhcp;

/// <summary>
/// One DHCP server per network with a DHCP-enabled IPv4 subnet, and one DHCPv6 server per network
/// with a DHCPv6 subnet (stateful or stateless, or DHCP-enabled without a mode, which Neutron serves
/// statefully), kept in step with the database by the data plane.
/// </summary>
public sealed class DhcpService(NetworkSettings settings, ILoggerFactory loggers) : IDisposable
{
    private readonly Dictionary<string, DhcpServer> _servers = [];
    private readonly Dictionary<string, Dhcpv6Server> _servers6 = [];
    private readonly Lock _gate = new();

    /// <summary>Starts, updates and stops servers so each bridge with DHCP ports answers for exactly them.</summary>
    public void Apply(DesiredState state, IReadOnlyDictionary<string, string> bridgeOfNetwork)
    {
        var wanted = new Dictionary<string, Dictionary<string, DhcpLease>>();
        var wanted6 = new Dictionary<string, Dictionary<string, Dhcpv6Lease>>();
        foreach (var port in state.InstancePorts())
        {
            if (!bridgeOfNetwork.TryGetValue(port["network_id"]!.GetValue<string>(), out var bridge))
                continue;
            var network = state.Networks.First(n => n["id"]!.GetValue<string>() == port["network_id"]!.GetValue<string>());
            var mac = port["mac_address"]!.GetValue<string>();
            foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
            {
                if (!state.Subnets.TryGetValue(fixedIp!["subnet_id"]!.GetValue<string>(), out var subnet) || subnet["enable_dhcp"]?.GetValue<bool>() != true
                    || Ipv6Layout.IsIpv6(subnet))
                    continue;
                var lease = LeaseFor(fixedIp["ip_address"]!.GetValue<string>(), subnet, network["mtu"]?.GetValue<int>() ?? 1500);
                if (!wanted.TryGetValue(bridge, out var leases))
                    wanted[bridge] = leases = [];
                leases.TryAdd(mac, lease);
                break; // one address per port over DHCPv4
            }
            if (Lease6For(port, network, state) is { } lease6)
            {
                if (!wanted6.TryGetValue(bridge, out var leases6))
                    wanted6[bridge] = leases6 = [];
                leases6.TryAdd(mac, lease6);
            }
        }
        lock (_gate)
        {
            Reconcile(_servers, wanted, (bridge, leases) => new DhcpServer(bridge, settings.NetworkNamespace, leases, loggers.CreateLogger<DhcpServer>()),
                (server, leases) => server.Update(leases));
            Reconcile(_servers6, wanted6, (bridge, leases) => new Dhcpv6Server(bridge, settings.NetworkNamespace, leases, loggers.CreateLogger<Dhcpv6Server>()),
                (server, leases) => server.Update(leases));
        }
    }

    private static void Reconcile<TServer, TLease>(Dictionary<string, TServer> servers, Dictionary<string, Dictionary<string, TLease>> wanted,
        Func<string, Dictionary<string, TLease>, TServer> start, Action<TServer, Dictionary<string, TLease>> update)
        where TServer : IDisposable
    {
        foreach (var bridge in servers.Keys.Where(b => !wanted.ContainsKey(b)).ToList())
        {
            servers[bridge].Dispose();
            servers.Remove(bridge);
        }
        foreach (var (bridge, leases) in wanted)
        {
            if (servers.TryGetValue(bridge, out var server))
                update(server, leases);
            else
                servers[bridge] = start(bridge, leases);
        }
    }

    /// <summary>
    /// What DHCPv6 tells a port: its addresses on stateful subnets (and DHCP subnets without a mode),
    /// and for those and stateless subnets the prefixes, DNS servers and the network's DNS domain as
    /// search list. Null when the port has no such subnet (SLAAC alone needs no DHCPv6).
    /// </summary>
    private static Dhcpv6Lease? Lease6For(JsonObject port, JsonObject network, DesiredState state)
    {
        var addresses = new List<System.Net.IPAddress>();
        var prefixes = new List<(System.Net.IPAddress, int)>();
        var dns = new List<System.Net.IPAddress>();
        foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
        {
            if (!state.Subnets.TryGetValue(fixedIp!["subnet_id"]!.GetValue<string>(), out var subnet) || !Ipv6Layout.IsIpv6(subnet)
                || subnet["enable_dhcp"]?.GetValue<bool>() != true)
                continue;
            var mode = subnet["ipv6_address_mode"]?.GetValue<string>();
            if (mode == Ipv6Layout.Slaac)
                continue;
            if (mode is null or Ipv6Layout.Stateful)
                addresses.Add(System.Net.IPAddress.Parse(fixedIp["ip_address"]!.GetValue<string>()));
            var cidr = Ipv6Layout.FromStored(subnet).Cidr;
            prefixes.Add((Ipv6.ToAddress(cidr.Network), cidr.PrefixLength));
            foreach (var server in (JsonArray?)subnet["dns_nameservers"] ?? [])
                dns.Add(System.Net.IPAddress.Parse(server!.GetValue<string>()));
        }
        if (prefixes.Count == 0)
            return null;
        var domain = network["dns_domain"]?.GetValue<string>() is { Length: > 0 } d ? new[] { d } : [];
        return new Dhcpv6Lease(addresses, prefixes, dns.Distinct().ToList(), domain);
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
            foreach (var server in _servers6.Values)
                server.Dispose();
            _servers6.Clear();
        }
    }
}
