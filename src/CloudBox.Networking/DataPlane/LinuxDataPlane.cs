using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Linux;
using CloudBox.Linux.Netlink;
using CloudBox.Networking.FloatingIps;
using CloudBox.Networking.RouterAdvertisements;
using CloudBox.Networking.Routers;
using CloudBox.Networking.Subnets;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// Makes the kernel match the database: a bridge per network (with a VXLAN port for vxlan
/// networks), a tap per instance port, a namespace per router with veth legs, addresses, routes
/// and NAT, the external bridge with its gateway address and masquerading, and the security group
/// tables. Every step is idempotent, so the same pass builds from scratch after a reboot and
/// follows each API change; what carries CloudBox's names but is no longer wanted is removed.
/// </summary>
public sealed partial class LinuxDataPlane(NetworkSettings settings, Dhcp.DhcpService dhcp, Metadata.MetadataService metadata,
    RouterAdvertisementService routerAdvertisements, SecurityGroupFilter securityGroups, ILogger<LinuxDataPlane> logger)
{
    public const string NatTable = "cloudbox-nat";
    private const string RouterInterfaceOwner = RouterEndpoints.InterfaceOwner;
    private const string RouterGatewayOwner = RouterEndpoints.GatewayOwner;

    private string? HostNamespace => settings.NetworkNamespace;

    /// <summary>Where the last pass spent its time, phase by phase (for the pass's log line and the benchmarks).</summary>
    public string LastPhases { get; private set; } = "";

    public void Apply(DesiredState state)
    {
        var phases = new PhaseClock();
        using var host = RouteNetlink.Open(HostNamespace);
        // One dump of the host's links serves the whole pass: no lookup per port.
        var links = new HostLinks(host);
        var wantedLinks = new HashSet<string>();
        var bridges = new Dictionary<string, string>();
        foreach (var network in state.Networks)
            bridges[Id(network)] = EnsureNetwork(host, links, network, wantedLinks);
        phases.Lap("networks");
        EnsureInstancePorts(host, links, state, bridges, wantedLinks, phases);
        var wantedNamespaces = new HashSet<string>();
        var metadataBridges = Metadata.MetadataService.BridgesServed(state, bridges);
        var advertisements = new Dictionary<(string Namespace, string Leg), RouterAdvertisement>();
        foreach (var router in state.Routers)
            EnsureRouter(host, state, router, bridges, metadataBridges, wantedLinks, wantedNamespaces, advertisements);
        phases.Lap("routers");
        var externalIpv6 = ExternalIpv6Bridges(state);
        HostStaysOffIpv6(bridges.Values.Where(b => b.StartsWith("cbr-", StringComparison.Ordinal) && !externalIpv6.ContainsKey(b)).ToHashSet());
        EnsureExternalBridges(host, state);
        EnsureExternalIpv6(host, state, externalIpv6);
        EnsureMetadataAddresses(host, links, metadataBridges);
        phases.Lap("host");
        securityGroups.Apply(state, bridges, metadataBridges, HostNamespace);
        phases.Lap("nftables " + securityGroups.LastChange);
        RemoveLeftovers(host, links, wantedLinks, wantedNamespaces);
        phases.Lap("leftovers");
        dhcp.Apply(state, bridges);
        metadata.Apply(state, bridges, metadataBridges);
        routerAdvertisements.Apply(advertisements);
        phases.Lap("services");
        LastPhases = phases.ToString();
    }

    /// <summary>Milliseconds per phase of a pass.</summary>
    private sealed class PhaseClock
    {
        private readonly System.Text.StringBuilder _text = new();
        private long _last = System.Diagnostics.Stopwatch.GetTimestamp();

        public void Lap(string phase)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            _text.Append(_text.Length == 0 ? "" : ", ").Append(phase).Append(' ')
                .Append(System.Diagnostics.Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)).Append(" ms");
            _last = now;
        }

        public override string ToString() => _text.ToString();
    }

    /// <summary>
    /// The host has no business on a tenant network's IPv6: without this, every CloudBox bridge
    /// would take an address from the tenant router's advertisements and route into the tenant
    /// network. Bridging (and the filtering of bridged IPv6) does not need the bridge's own stack.
    /// </summary>
    private void HostStaysOffIpv6(HashSet<string> ourBridges)
    {
        if (ourBridges.Count == 0)
            return;
        NetworkNamespace.Run(HostNamespace, () =>
        {
            foreach (var bridge in ourBridges)
            {
                var path = $"/proc/sys/net/ipv6/conf/{bridge}/disable_ipv6";
                if (File.Exists(path) && File.ReadAllText(path).Trim() != "1")
                    File.WriteAllText(path, "1");
            }
            return 0;
        });
    }

    /// <summary>Removes everything CloudBox made (for tests and for `cloudbox admin` clean-ups).</summary>
    public void Clear() => Apply(new DesiredState
    {
        Networks = [], Subnets = [], Ports = [], Routers = [], FloatingIps = [], SecurityGroups = [],
        RulesByGroup = Array.Empty<JsonObject>().ToLookup(_ => ""),
    });

    private string EnsureNetwork(RouteNetlink host, HostLinks links, JsonObject network, HashSet<string> wanted)
    {
        var mtu = network["mtu"]?.GetValue<int>() ?? 1500;
        var type = network["provider:network_type"]?.GetValue<string>();
        if (type == "flat" && network["provider:physical_network"]?.GetValue<string>() is { } physical
            && settings.PhysicalNetworks.TryGetValue(physical, out var physicalBridge))
        {
            // An operator-named bridge is used as found; CloudBox makes only bridges under its own prefix.
            if (physicalBridge.StartsWith("cbr-", StringComparison.Ordinal) && links.Find(physicalBridge) is null)
            {
                host.CreateBridge(physicalBridge, mtu);
                links.Refresh(physicalBridge);
            }
            if (links.Find(physicalBridge) is not { IsUp: true })
                host.SetUp(physicalBridge);
            return physicalBridge;
        }
        var bridge = KernelNames.Bridge(Id(network));
        wanted.Add(bridge);
        if (links.Find(bridge) is null)
        {
            host.CreateBridge(bridge, mtu);
            links.Refresh(bridge);
        }
        if (links.Find(bridge) is not { IsUp: true })
            host.SetUp(bridge);
        if (type == "vxlan" && network["provider:segmentation_id"]?.GetValue<int>() is { } vni)
        {
            var vxlan = KernelNames.Vxlan(Id(network));
            wanted.Add(vxlan);
            if (links.Find(vxlan) is null)
            {
                host.CreateVxlan(vxlan, vni, mtu);
                links.Refresh(vxlan);
            }
            if (links.Find(vxlan) is not { IsUp: true } link || link.MasterIndex != links.IndexOf(bridge))
                host.SetMasterAndUp(vxlan, bridge);
        }
        return bridge;
    }

    /// <summary>
    /// Every instance port's tap in its bridge: the missing taps made in one visit to the namespace,
    /// then the ones not yet in their bridge (or down) enslaved in one netlink datagram.
    /// </summary>
    private void EnsureInstancePorts(RouteNetlink host, HostLinks links, DesiredState state, Dictionary<string, string> bridges, HashSet<string> wanted,
        PhaseClock phases)
    {
        var missing = new List<string>();
        var toEnslave = new List<(string Name, int MasterIndex)>();
        foreach (var port in state.InstancePorts())
        {
            if (!bridges.TryGetValue(port["network_id"]!.GetValue<string>(), out var bridge))
                continue;
            var tap = KernelNames.Tap(Id(port));
            if (!wanted.Add(tap))
                continue;
            var bridgeIndex = links.IndexOf(bridge);
            // Whatever holds the name already (the VMM's open tap, a test's veth) is the port's device.
            var link = links.Find(tap);
            if (link is null)
                missing.Add(tap);
            if (link is null || !link.IsUp || link.MasterIndex != bridgeIndex)
                toEnslave.Add((tap, bridgeIndex));
        }
        PersistentTap.CreateMany(missing, HostNamespace);
        phases.Lap($"taps created {missing.Count}");
        host.SetMastersAndUp(toEnslave);
        phases.Lap($"taps enslaved {toEnslave.Count}");
    }

    private void EnsureRouter(RouteNetlink host, DesiredState state, JsonObject router, Dictionary<string, string> bridges,
        HashSet<string> metadataBridges, HashSet<string> wantedLinks, HashSet<string> wantedNamespaces,
        Dictionary<(string Namespace, string Leg), RouterAdvertisement> advertisements)
    {
        var routerId = Id(router);
        var name = KernelNames.RouterNamespace(settings, routerId);
        wantedNamespaces.Add(name);
        NetworkNamespace.Create(name);
        var path = NetworkNamespace.PathOf(name);
        NetworkNamespace.Run(path, () =>
        {
            File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1");
            // Removing a leg's stale primary address must not take the new (secondary) one with it.
            File.WriteAllText("/proc/sys/net/ipv4/conf/all/promote_secondaries", "1");
            File.WriteAllText("/proc/sys/net/ipv4/conf/default/promote_secondaries", "1");
            // IPv6: routed between legs; legs made from now on use their addresses at once (the
            // router owns them), so the link-local source of its advertisements is ready when they start.
            File.WriteAllText("/proc/sys/net/ipv6/conf/all/forwarding", "1");
            File.WriteAllText("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
            return 0;
        });
        using var inside = RouteNetlink.Open(path);
        inside.SetUp("lo");
        var wantedInside = new HashSet<string>();
        // What the namespace should hold, so anything else CloudBox put there (from an older state) can go.
        var wantedAddresses = new HashSet<(string Leg, IPAddress Address, int Prefix)>();
        var wantedRoutes = new List<(IPAddress Destination, int Prefix, IPAddress Gateway, string? Device)>();
        var natRules = new List<NftRule>();
        var preRules = new List<NftRule>();
        string? gatewayDevice = null;
        IPAddress? gatewayAddress = null;

        foreach (var port in state.PortsOf(routerId, RouterInterfaceOwner))
        {
            if (!bridges.TryGetValue(port["network_id"]!.GetValue<string>(), out var bridge))
                continue;
            var leg = KernelNames.RouterInterface(Id(port));
            PlugLeg(host, inside, port, bridge, leg, path, state, wantedLinks, wantedInside, wantedAddresses);
            if (AdvertisementOf(state, port) is { } advertisement)
                advertisements[(path, leg)] = advertisement;
            if (metadataBridges.Contains(bridge))
                MetadataThroughGateway(inside, leg);
        }
        foreach (var port in state.PortsOf(routerId, RouterGatewayOwner))
        {
            if (!bridges.TryGetValue(port["network_id"]!.GetValue<string>(), out var bridge))
                continue;
            gatewayDevice = KernelNames.RouterGateway(Id(port));
            PlugLeg(host, inside, port, bridge, gatewayDevice, path, state, wantedLinks, wantedInside, wantedAddresses);
            // One default route per IP version, via the first external subnet of that version with a gateway:
            // IPv4 leaves translated (below), IPv6 routed as it is, as in Neutron.
            foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
            {
                var address = IPAddress.Parse(fixedIp!["ip_address"]!.GetValue<string>());
                var ipv6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
                if (!ipv6)
                    gatewayAddress ??= address;
                var any = ipv6 ? IPAddress.IPv6Any : IPAddress.Any;
                if (state.Subnets.TryGetValue(fixedIp["subnet_id"]!.GetValue<string>(), out var subnet) && subnet["gateway_ip"]?.GetValue<string>() is { } upstream
                    && !wantedRoutes.Any(r => r.Destination.Equals(any) && r.Prefix == 0))
                    wantedRoutes.Add((any, 0, IPAddress.Parse(upstream), gatewayDevice));
            }
        }

        // Floating IPs: the address lives on the gateway leg; DNAT in, SNAT out.
        foreach (var floating in state.FloatingIps.Where(f => f["router_id"]?.GetValue<string>() == routerId))
        {
            if (gatewayDevice is null || floating["fixed_ip_address"]?.GetValue<string>() is not { } fixedText)
                continue;
            var floatingAddress = IPAddress.Parse(floating["floating_ip_address"]!.GetValue<string>());
            var fixedAddress = IPAddress.Parse(fixedText);
            wantedAddresses.Add((gatewayDevice, floatingAddress, 32));
            inside.AddAddress(gatewayDevice, floatingAddress, 32);
            preRules.Add(new NftRule().DestinationAddress(floatingAddress).DestinationNat(fixedAddress));
            natRules.Add(new NftRule().SourceAddress(fixedAddress).OutputInterface(gatewayDevice).SourceNat(floatingAddress));
        }
        if (gatewayDevice is not null && gatewayAddress is not null && router["external_gateway_info"]?["enable_snat"]?.GetValue<bool>() != false)
        {
            foreach (var port in state.PortsOf(routerId, RouterInterfaceOwner))
            {
                foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
                {
                    if (!state.Subnets.TryGetValue(fixedIp!["subnet_id"]!.GetValue<string>(), out var subnet) || Ipv6Layout.IsIpv6(subnet))
                        continue; // IPv6 is routed, never translated
                    var cidr = SubnetLayout.FromStored(subnet).Cidr;
                    natRules.Add(new NftRule().SourceAddress(new IPAddress(BigEndian(cidr.Network)), cidr.PrefixLength)
                        .OutputInterface(gatewayDevice).SourceNat(gatewayAddress));
                }
            }
        }
        foreach (var route in (JsonArray?)router["routes"] ?? [])
        {
            var destination = Ipv4Cidr.TryParse(route!["destination"]!.GetValue<string>(), out _);
            if (destination is { } d)
                wantedRoutes.Add((new IPAddress(BigEndian(d.Network)), d.PrefixLength, IPAddress.Parse(route["nexthop"]!.GetValue<string>()), null));
        }

        var batch = new NftBatch()
            .ReplaceTable(NftBatch.FamilyIpv4, NatTable)
            .AddChain(NftBatch.FamilyIpv4, NatTable, "prerouting", hook: 0, priority: -100, type: "nat")
            .AddChain(NftBatch.FamilyIpv4, NatTable, "postrouting", hook: 4, priority: 100, type: "nat");
        foreach (var rule in preRules)
            batch.AddRule(NftBatch.FamilyIpv4, NatTable, "prerouting", rule);
        foreach (var rule in natRules)
            batch.AddRule(NftBatch.FamilyIpv4, NatTable, "postrouting", rule);
        batch.Commit(path);

        RemoveStale(inside, wantedInside, wantedAddresses, wantedRoutes);
    }

    /// <summary>
    /// Legs, addresses and routes CloudBox made in a router's namespace for a state that has since
    /// changed (a subnet detached, a port's address changed, a route or floating IP removed) go; one
    /// dump of each kind, whatever the router's size. Routes the kernel made itself (connected subnets) stay.
    /// </summary>
    /// <remarks>Routes are set after stale addresses went: a next hop must be reachable through an address that stays.</remarks>
    private static void RemoveStale(RouteNetlink inside, HashSet<string> wantedLegs, HashSet<(string Leg, IPAddress Address, int Prefix)> wantedAddresses,
        List<(IPAddress Destination, int Prefix, IPAddress Gateway, string? Device)> wantedRoutes)
    {
        static bool IsLeg(string name) => name.StartsWith("qr-", StringComparison.Ordinal) || name.StartsWith("qg-", StringComparison.Ordinal);
        var legs = inside.Links().Where(l => IsLeg(l.Name)).ToList();
        foreach (var link in legs.Where(l => !wantedLegs.Contains(l.Name)))
        {
            inside.Delete(link.Name);
            inside.DeleteRule(link.Name, Metadata.MetadataServer.Address, 32, MetadataRulePriority);
        }
        var legOfIndex = legs.Where(l => wantedLegs.Contains(l.Name)).ToDictionary(l => l.Index, l => l.Name);
        // IPv6 too, but never the link-local addresses the kernel gives each leg (advertisements come from them).
        foreach (var (index, address, prefix) in inside.AllAddresses().Concat(inside.AllAddresses(ipv6: true)))
        {
            if (legOfIndex.TryGetValue(index, out var leg) && !address.IsIPv6LinkLocal && !wantedAddresses.Contains((leg, address, prefix)))
                inside.DeleteAddress(leg, address, prefix);
        }
        foreach (var (destination, prefix, gateway, device) in wantedRoutes)
            inside.ReplaceRoute(destination, prefix, gateway, device);
        var wanted = wantedRoutes.Select(r => (r.Destination, r.Prefix)).ToHashSet();
        foreach (var route in inside.Routes().Concat(inside.Routes(ipv6: true)))
        {
            if (route.Protocol == 4 && !wanted.Contains((route.Destination, route.PrefixLength)))
                inside.DeleteRoute(route.Destination, route.PrefixLength);
        }
    }

    private const uint MetadataRulePriority = 1000;

    /// <summary>
    /// What a router interface advertises: each of its IPv6 subnets with a router-advertisement mode
    /// (SLAAC: the A flag; dhcpv6-stateless also the O flag; dhcpv6-stateful the M flag and no A, as
    /// Neutron's radvd configuration has it), their DNS servers, the network's MTU.
    /// Null when none of its subnets asks for advertisements.
    /// </summary>
    private static RouterAdvertisement? AdvertisementOf(DesiredState state, JsonObject port)
    {
        var prefixes = new List<AdvertisedPrefix>();
        var dns = new List<IPAddress>();
        var other = false;
        var managed = false;
        foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
        {
            if (!state.Subnets.TryGetValue(fixedIp!["subnet_id"]!.GetValue<string>(), out var subnet) || !Ipv6Layout.IsIpv6(subnet)
                || subnet["ipv6_ra_mode"]?.GetValue<string>() is not { } mode)
                continue;
            var cidr = Ipv6Layout.FromStored(subnet).Cidr;
            prefixes.Add(new AdvertisedPrefix(Ipv6.ToAddress(cidr.Network), cidr.PrefixLength, mode is Ipv6Layout.Slaac or Ipv6Layout.Stateless));
            other |= mode == Ipv6Layout.Stateless;
            managed |= mode == Ipv6Layout.Stateful;
            foreach (var server in (JsonArray?)subnet["dns_nameservers"] ?? [])
                dns.Add(IPAddress.Parse(server!.GetValue<string>()));
        }
        if (prefixes.Count == 0)
            return null;
        var mtu = state.Networks.FirstOrDefault(n => Id(n) == port["network_id"]!.GetValue<string>())?["mtu"]?.GetValue<int>() ?? 1500;
        return new RouterAdvertisement(ParseMac(port["mac_address"]!.GetValue<string>()), mtu, prefixes, dns.Distinct().ToList(), other, managed);
    }

    /// <summary>
    /// A guest that ignores the DHCP route to 169.254.169.254 sends its metadata requests to its
    /// gateway, the router: a policy rule sends them back out of the leg they came in on, to the
    /// network's bridge, which holds the address (the listener's answer goes straight to the guest).
    /// Each leg has its own table, numbered after the leg's index in the namespace.
    /// </summary>
    private static void MetadataThroughGateway(RouteNetlink inside, string leg)
    {
        var table = 10_000 + (uint)inside.IndexOf(leg);
        inside.ReplaceRoute(Metadata.MetadataServer.Address, 32, null, leg, table);
        inside.AddRule(leg, Metadata.MetadataServer.Address, 32, table, MetadataRulePriority);
    }

    /// <summary>One router leg: a veth whose host end (named like a port's tap) sits in the network's bridge and whose other end carries the port's address in the router.</summary>
    private static void PlugLeg(RouteNetlink host, RouteNetlink inside, JsonObject port, string bridge, string leg, string routerPath,
        DesiredState state, HashSet<string> wantedLinks, HashSet<string> wantedInside, HashSet<(string Leg, IPAddress Address, int Prefix)> wantedAddresses)
    {
        var hostEnd = KernelNames.Tap(Id(port));
        wantedLinks.Add(hostEnd);
        wantedInside.Add(leg);
        var mtu = state.Networks.FirstOrDefault(n => Id(n) == port["network_id"]!.GetValue<string>())?["mtu"]?.GetValue<int>() ?? 1500;
        if (inside.Find(leg) is null)
        {
            host.Delete(hostEnd); // a half-built leg from an earlier crash
            host.CreateVeth(hostEnd, leg, mtu, routerPath);
            inside.SetMac(leg, ParseMac(port["mac_address"]!.GetValue<string>()));
        }
        host.SetMasterAndUp(hostEnd, bridge);
        inside.SetUp(leg);
        foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
        {
            if (!state.Subnets.TryGetValue(fixedIp!["subnet_id"]!.GetValue<string>(), out var subnet))
                continue;
            var prefix = SubnetLayout.PrefixLengthOf(subnet);
            var address = IPAddress.Parse(fixedIp["ip_address"]!.GetValue<string>());
            wantedAddresses.Add((leg, address, prefix));
            inside.AddAddress(leg, address, prefix);
        }
    }

    /// <summary>
    /// A CloudBox-made bridge of an external flat network holds each subnet's gateway address, so
    /// the host reaches floating IPs, and masquerades those subnets onward through the host's own routes.
    /// </summary>
    private void EnsureExternalBridges(RouteNetlink host, DesiredState state)
    {
        var batch = new NftBatch()
            .ReplaceTable(NftBatch.FamilyIpv4, NatTable)
            .AddChain(NftBatch.FamilyIpv4, NatTable, "postrouting", hook: 4, priority: 100, type: "nat");
        var any = false;
        foreach (var network in state.Networks.Where(n => n["router:external"]?.GetValue<bool>() == true
            && n["provider:network_type"]?.GetValue<string>() == "flat"))
        {
            var physical = network["provider:physical_network"]?.GetValue<string>();
            if (physical is null || !settings.PhysicalNetworks.TryGetValue(physical, out var bridge) || !bridge.StartsWith("cbr-", StringComparison.Ordinal))
                continue;
            foreach (var subnet in state.Subnets.Values.Where(s => s["network_id"]!.GetValue<string>() == Id(network) && !Ipv6Layout.IsIpv6(s)))
            {
                if (subnet["gateway_ip"]?.GetValue<string>() is not { } gateway)
                    continue;
                var cidr = SubnetLayout.FromStored(subnet).Cidr;
                host.AddAddress(bridge, IPAddress.Parse(gateway), cidr.PrefixLength);
                batch.AddRule(NftBatch.FamilyIpv4, NatTable, "postrouting", new NftRule()
                    .SourceAddress(new IPAddress(BigEndian(cidr.Network)), cidr.PrefixLength).NotOutputInterface(bridge)
                    // Bridged traffic (to and from routers' legs in other networks' bridges) is not leaving the host: never rewrite it.
                    .NotOutputInterfacePrefix("cbr-").Masquerade());
                any = true;
            }
        }
        if (any)
        {
            NetworkNamespace.Run(HostNamespace, () =>
            {
                File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1");
                return 0;
            });
        }
        batch.Commit(HostNamespace);
    }

    /// <summary>The CloudBox-made bridges of external flat networks with IPv6 subnets, with those subnets.</summary>
    private Dictionary<string, List<JsonObject>> ExternalIpv6Bridges(DesiredState state)
    {
        var result = new Dictionary<string, List<JsonObject>>();
        foreach (var network in state.Networks.Where(n => n["router:external"]?.GetValue<bool>() == true
            && n["provider:network_type"]?.GetValue<string>() == "flat"))
        {
            var physical = network["provider:physical_network"]?.GetValue<string>();
            if (physical is null || !settings.PhysicalNetworks.TryGetValue(physical, out var bridge) || !bridge.StartsWith("cbr-", StringComparison.Ordinal))
                continue;
            var subnets = state.Subnets.Values.Where(s => s["network_id"]!.GetValue<string>() == Id(network) && Ipv6Layout.IsIpv6(s)).ToList();
            if (subnets.Count > 0)
                result[bridge] = subnets;
        }
        return result;
    }

    /// <summary>
    /// IPv6 on a CloudBox-made external bridge: the host takes each IPv6 subnet's gateway address
    /// (routers' default routes point there) and routes each router's tenant IPv6 subnets back via
    /// the router's external address, since IPv6 is never translated; so the host reaches a VM's
    /// global address. The bridge takes no advertisements: its routes are these. Static IPv6 routes
    /// CloudBox left on these bridges for an older state go.
    /// </summary>
    private void EnsureExternalIpv6(RouteNetlink host, DesiredState state, Dictionary<string, List<JsonObject>> externalIpv6)
    {
        if (externalIpv6.Count == 0)
            return;
        NetworkNamespace.Run(HostNamespace, () =>
        {
            foreach (var bridge in externalIpv6.Keys)
            {
                var conf = $"/proc/sys/net/ipv6/conf/{bridge}/";
                File.WriteAllText(conf + "accept_ra", "0");
                File.WriteAllText(conf + "accept_dad", "0");
                if (File.ReadAllText(conf + "disable_ipv6").Trim() != "0")
                    File.WriteAllText(conf + "disable_ipv6", "0");
            }
            return 0;
        });
        var wanted = new List<(IPAddress Destination, int Prefix, IPAddress Gateway, string Bridge)>();
        foreach (var (bridge, subnets) in externalIpv6)
        {
            var subnetIds = subnets.Select(Id).ToHashSet();
            foreach (var subnet in subnets)
            {
                if (subnet["gateway_ip"]?.GetValue<string>() is { } gateway)
                    host.AddAddress(bridge, IPAddress.Parse(gateway), SubnetLayout.PrefixLengthOf(subnet));
            }
            foreach (var router in state.Routers)
            {
                var external = state.PortsOf(Id(router), RouterGatewayOwner).SelectMany(p => (JsonArray)p["fixed_ips"]!)
                    .FirstOrDefault(ip => subnetIds.Contains(ip!["subnet_id"]!.GetValue<string>()));
                if (external is null)
                    continue;
                var via = IPAddress.Parse(external["ip_address"]!.GetValue<string>());
                foreach (var fixedIp in state.PortsOf(Id(router), RouterInterfaceOwner).SelectMany(p => (JsonArray)p["fixed_ips"]!))
                {
                    if (state.Subnets.TryGetValue(fixedIp!["subnet_id"]!.GetValue<string>(), out var tenant) && Ipv6Layout.IsIpv6(tenant))
                    {
                        var cidr = Ipv6Layout.FromStored(tenant).Cidr;
                        wanted.Add((Ipv6.ToAddress(cidr.Network), cidr.PrefixLength, via, bridge));
                    }
                }
            }
        }
        foreach (var (destination, prefix, gateway, bridge) in wanted)
            host.ReplaceRoute(destination, prefix, gateway, bridge);
        var ours = externalIpv6.Keys.Select(host.IndexOf).ToHashSet();
        var keep = wanted.Select(r => (r.Destination, r.Prefix)).ToHashSet();
        foreach (var route in host.Routes(ipv6: true))
        {
            if (route.Protocol == 4 && route.OutputIndex is { } index && ours.Contains(index) && !keep.Contains((route.Destination, route.PrefixLength)))
                host.DeleteRoute(route.Destination, route.PrefixLength);
        }
    }

    /// <summary>
    /// The bridge of every network with DHCP holds 169.254.169.254/32, which DHCP tells clients is on-link;
    /// bridges that no longer serve metadata lose it. The tenant's source addresses have no route in this
    /// namespace, so reverse-path filtering is off on those bridges (the listener replies through its bridge).
    /// </summary>
    private void EnsureMetadataAddresses(RouteNetlink host, HostLinks links, HashSet<string> served)
    {
        var servedIndexes = served.Select(links.IndexOf).ToHashSet();
        var holding = new HashSet<int>();
        foreach (var (index, address, prefix) in host.AllAddresses())
        {
            if (!address.Equals(Metadata.MetadataServer.Address))
                continue;
            holding.Add(index);
            if (!servedIndexes.Contains(index) && host.NameOf(index) is { } name
                && (KernelNames.IsOurs(name) || settings.PhysicalNetworks.Values.Contains(name)))
                host.DeleteAddress(name, address, prefix);
        }
        foreach (var bridge in served)
        {
            if (!holding.Contains(links.IndexOf(bridge)))
                host.AddAddress(bridge, Metadata.MetadataServer.Address, 32);
        }
        if (served.Count == 0)
            return;
        NetworkNamespace.Run(HostNamespace, () =>
        {
            foreach (var bridge in served)
                File.WriteAllText($"/proc/sys/net/ipv4/conf/{bridge}/rp_filter", "0");
            return 0;
        });
    }

    private void RemoveLeftovers(RouteNetlink host, HostLinks links, HashSet<string> wantedLinks, HashSet<string> wantedNamespaces)
    {
        // The dump from the pass's start is enough: whatever the pass made since is wanted.
        foreach (var link in links.AtStart)
        {
            if (KernelNames.IsOurs(link.Name) && !wantedLinks.Contains(link.Name))
            {
                LogRemoving(link.Name);
                host.Delete(link.Name);
            }
        }
        foreach (var name in NetworkNamespace.List())
        {
            if (name.StartsWith(settings.RouterNamespacePrefix, StringComparison.Ordinal) && !wantedNamespaces.Contains(name))
            {
                LogRemoving(name);
                NetworkNamespace.Delete(name);
            }
        }
    }

    private static string Id(JsonObject resource) => resource["id"]!.GetValue<string>();

    private static long BigEndian(uint address) => (long)(uint)IPAddress.HostToNetworkOrder((int)address);

    private static byte[] ParseMac(string mac) =>
        mac.Split(':').Select(p => byte.Parse(p, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: removing leftover {Name}")]
    private partial void LogRemoving(string name);
}
