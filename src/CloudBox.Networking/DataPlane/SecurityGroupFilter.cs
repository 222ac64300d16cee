using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Linux.Netlink;
using CloudBox.Networking.SecurityGroups;
using CloudBox.Networking.Subnets;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// Security groups and anti-spoofing as nftables rules (IPv4 and IPv6), written in one atomic batch per pass: the whole tables at start, then only what changed:
/// <list type="bullet">
/// <item>table <c>bridge cloudbox-ports</c>: one verdict-map lookup by tap sends a frame to its port's
/// chain, where it must carry the port's MAC and one of its addresses (or an allowed address pair;
/// for IPv6 also the link-local address of the MAC); DHCP discovery and, from ::, ICMPv6 (duplicate
/// address detection) are let through; a VM's router advertisements never are.</item>
/// <item>table <c>inet cloudbox-sg</c> on the forward hook, which bridged IPv4 and IPv6 reach through
/// br_netfilter and so has connection tracking: replies of allowed connections pass; a port's
/// egress rules judge what it sends (by source address, trustworthy after anti-spoofing), its
/// ingress rules what is sent to it; anything else to or from a filtered port is dropped. Packets
/// of established connections leave at the first rule, neighbour discovery and MLD at the next two;
/// new ones reach their port's chains through verdict maps keyed by (bridge, address), two per IP version.</item>
/// </list>
/// </summary>
public sealed class SecurityGroupFilter
{
    private NftTableContent? _ports, _groups; // as last written

    /// <summary>CLOUDBOX_NFT_WHOLE=1 writes the whole tables every pass, as before diffs: for measuring one against the other in one binary.</summary>
    private static readonly bool WholeEveryPass = Environment.GetEnvironmentVariable("CLOUDBOX_NFT_WHOLE") == "1";
    private string? _namespace;

    /// <summary>How the last pass wrote the tables: whole or only the changes, and in how many messages.</summary>
    public string LastChange { get; private set; } = "";

    public const string PortsTable = "cloudbox-ports";
    public const string GroupsTable = "cloudbox-sg";

    /// <param name="bridges">The bridge of each network: dispatch to a port's chains also matches its bridge, so equal
    /// addresses on two tenants' overlapping networks never share each other's rules.</param>
    /// <param name="metadataBridges">Bridges holding 169.254.169.254: from them the host accepts only metadata requests.</param>
    public void Apply(DesiredState state, IReadOnlyDictionary<string, string> bridges, IReadOnlyCollection<string> metadataBridges,
        string? namespacePath)
    {
        var filtered = state.InstancePorts().Where(p => p["port_security_enabled"]?.GetValue<bool>() == true).ToList();
        var ports = new NftTableContent(NftBatch.FamilyBridge, PortsTable).AddChain("prerouting", hook: 0, priority: -300);
        var groups = new NftTableContent(NftBatch.FamilyInet, GroupsTable).AddChain("forward", hook: 2, priority: 0);
        // Most packets belong to a connection already allowed: they leave at the first rule.
        groups.AddRule("forward", new NftRule().CtStateIn(2 | 4).Accept());
        // Neighbour discovery and MLD (untracked by conntrack) pass whatever the groups say, as in
        // Neutron, or SLAAC and address resolution would break; a VM's own advertisements never get
        // here (anti-spoofing drops them).
        groups.AddRule("forward", new NftRule().IsIpv6().L4Protocol(58).IcmpTypes(130, 136).Accept());
        groups.AddRule("forward", new NftRule().IsIpv6().L4Protocol(58).IcmpType(143).Accept());
        MetadataOnly(groups, state, bridges, metadataBridges);
        var sets = RemoteGroupSets(groups, state);
        var dispatch = new Dispatch();
        foreach (var port in filtered)
            AntiSpoofing(ports, dispatch, port);
        foreach (var port in filtered)
            Egress(groups, state, sets, dispatch, BridgeOf(bridges, port), port);
        foreach (var port in filtered)
            Ingress(groups, state, sets, dispatch, BridgeOf(bridges, port), port);

        // Dispatch to the per-port chains: one hash lookup each, however many ports there are.
        ports.AddVerdictMap(SpoofMap, SpoofMapId, 16, dispatch.Spoofing);
        ports.AddRule("prerouting", new NftRule().JumpByInputInterface(SpoofMap, SpoofMapId));
        groups.AddVerdictMap(EgressMap, EgressMapId, 20, dispatch.Egress);
        groups.AddVerdictMap(IngressMap, IngressMapId, 20, dispatch.Ingress);
        groups.AddRule("forward", new NftRule().IsIpv4().JumpByInputInterfaceAndSource(EgressMap, EgressMapId));
        foreach (var rule in dispatch.EgressByPrefix)
            groups.AddRule("forward", rule);
        groups.AddRule("forward", new NftRule().IsIpv4().JumpByOutputInterfaceAndDestination(IngressMap, IngressMapId));
        foreach (var rule in dispatch.IngressByPrefix)
            groups.AddRule("forward", rule);
        groups.AddVerdictMap(Egress6Map, Egress6MapId, 32, dispatch.Egress6);
        groups.AddVerdictMap(Ingress6Map, Ingress6MapId, 32, dispatch.Ingress6);
        groups.AddRule("forward", new NftRule().IsIpv6().JumpByInputInterfaceAndSource6(Egress6Map, Egress6MapId));
        foreach (var rule in dispatch.Egress6ByPrefix)
            groups.AddRule("forward", rule);
        groups.AddRule("forward", new NftRule().IsIpv6().JumpByOutputInterfaceAndDestination6(Ingress6Map, Ingress6MapId));
        foreach (var rule in dispatch.Ingress6ByPrefix)
            groups.AddRule("forward", rule);
        Write(ports, groups, namespacePath);
    }

    /// <summary>
    /// Writes only what changed since the last pass, in one atomic batch; the whole tables when
    /// there is no last pass (start), when either table is not there (someone removed it), or when
    /// the kernel refused the changes (its state was not what this process last wrote).
    /// </summary>
    private void Write(NftTableContent ports, NftTableContent groups, string? namespacePath)
    {
        var whole = WholeEveryPass || _ports is null || _groups is null || _namespace != namespacePath
            || !NftBatch.TableExists(ports.Family, ports.Table, namespacePath) || !NftBatch.TableExists(groups.Family, groups.Table, namespacePath);
        var batch = new NftBatch();
        var messages = 0;
        if (!whole)
        {
            ports.WriteChanges(batch, _ports!);
            groups.WriteChanges(batch, _groups!);
            messages = batch.Count;
            try
            {
                if (batch.Count > 0)
                    batch.Commit(namespacePath);
            }
            catch (CloudBox.Linux.LinuxException)
            {
                whole = true;
            }
        }
        if (whole)
        {
            (_ports, _groups) = (null, null);
            batch = new NftBatch();
            ports.WriteWhole(batch);
            groups.WriteWhole(batch);
            messages = batch.Count;
            batch.Commit(namespacePath);
        }
        (_ports, _groups, _namespace) = (ports, groups, namespacePath);
        LastChange = $"{(whole ? "whole" : "changes")}, {messages} messages";
    }

    private const string SpoofMap = "spoof-by-tap", EgressMap = "egress-by-source", IngressMap = "ingress-by-destination";
    private const string Egress6Map = "egress6-by-source", Ingress6Map = "ingress6-by-destination";
    private const uint SpoofMapId = 100_001, EgressMapId = 100_002, IngressMapId = 100_003, Egress6MapId = 100_004, Ingress6MapId = 100_005;

    /// <summary>
    /// Where packets go to their port's chains. Bridged IPv4 reaches the inet forward hook through
    /// br_netfilter with the bridge (not the tap) as its device, so ports are told apart there by
    /// (bridge, address): equal addresses on two tenants' overlapping networks never share rules.
    /// Allowed address pairs that are prefixes cannot be map keys and keep a rule each.
    /// </summary>
    private sealed class Dispatch
    {
        public List<(byte[] Key, string Chain)> Spoofing { get; } = [];
        public List<(byte[] Key, string Chain)> Egress { get; } = [];
        public List<(byte[] Key, string Chain)> Ingress { get; } = [];
        public List<NftRule> EgressByPrefix { get; } = [];
        public List<NftRule> IngressByPrefix { get; } = [];
        public List<(byte[] Key, string Chain)> Egress6 { get; } = [];
        public List<(byte[] Key, string Chain)> Ingress6 { get; } = [];
        public List<NftRule> Egress6ByPrefix { get; } = [];
        public List<NftRule> Ingress6ByPrefix { get; } = [];
    }

    /// <summary>
    /// A bridge with an address makes the host reachable from the tenant's network: only TCP to
    /// 169.254.169.254:80 is let in, never the host's other services (on that address or any other).
    /// External networks are left alone: there the host is the upstream gateway on purpose.
    /// </summary>
    private static void MetadataOnly(NftTableContent groups, DesiredState state, IReadOnlyDictionary<string, string> bridges,
        IReadOnlyCollection<string> metadataBridges)
    {
        var external = state.Networks.Where(n => n["router:external"]?.GetValue<bool>() == true)
            .Select(n => bridges.GetValueOrDefault(n["id"]!.GetValue<string>())).OfType<string>().ToHashSet();
        var tenantBridges = metadataBridges.Where(b => !external.Contains(b)).ToList();
        if (tenantBridges.Count == 0)
            return;
        groups.AddChain("input", hook: 1, priority: 0);
        foreach (var bridge in tenantBridges)
        {
            groups.AddRule("input", new NftRule().InputInterface(bridge).IsIpv4()
                .DestinationAddress(Metadata.MetadataServer.Address).L4Protocol(6).DestinationPorts(80, 80).Accept());
            groups.AddRule("input", new NftRule().InputInterface(bridge).Counter().Drop());
        }
    }

    private static string? BridgeOf(IReadOnlyDictionary<string, string> bridges, JsonObject port) =>
        bridges.GetValueOrDefault(port["network_id"]!.GetValue<string>());

    private static string ShortId(JsonObject port) => port["id"]!.GetValue<string>()[..8];

    /// <summary>
    /// The addresses a port may send from: its fixed IPs (IPv4 and IPv6), its allowed address pairs
    /// (which may be prefixes), and the IPv6 link-local address of its MAC and of each pair's MAC.
    /// </summary>
    private static List<(IPAddress Address, int Prefix)> SourceAddresses(JsonObject port)
    {
        var result = new List<(IPAddress, int)>();
        foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
        {
            var address = IPAddress.Parse(fixedIp!["ip_address"]!.GetValue<string>());
            result.Add((address, FullLength(address)));
        }
        var macs = new List<string> { port["mac_address"]!.GetValue<string>() };
        foreach (var pair in (JsonArray?)port["allowed_address_pairs"] ?? [])
        {
            var text = pair!["ip_address"]!.GetValue<string>();
            var parts = text.Split('/');
            if (IPAddress.TryParse(parts[0], out var address))
                result.Add((address, parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : FullLength(address)));
            if (pair["mac_address"]?.GetValue<string>() is { } mac)
                macs.Add(mac);
        }
        foreach (var mac in macs.Distinct())
            result.Add((Ipv6.LinkLocal(mac), 128));
        return result;
    }

    private static int FullLength(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;

    private static bool IsV6(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

    private static void AntiSpoofing(NftTableContent ports, Dispatch dispatch, JsonObject port)
    {
        var tap = KernelNames.Tap(port["id"]!.GetValue<string>());
        var chain = "spoof-" + ShortId(port);
        ports.AddChain(chain);
        dispatch.Spoofing.Add((NftRule.InterfaceKey(tap), chain));
        var macs = new List<byte[]> { ParseMac(port["mac_address"]!.GetValue<string>()) };
        foreach (var pair in (JsonArray?)port["allowed_address_pairs"] ?? [])
            macs.Add(ParseMac(pair!["mac_address"]!.GetValue<string>()));
        // A frame from a MAC the port owns goes on to the address check (and never comes back here); any other is dropped.
        var addressChain = "addr-" + ShortId(port);
        ports.AddChain(addressChain);
        foreach (var mac in macs.DistinctBy(Convert.ToHexString))
            ports.AddRule(chain, new NftRule().SourceMac(mac).Goto(addressChain));
        ports.AddRule(chain, new NftRule().Counter().Drop());
        // Neither IPv4 nor IPv6 (ARP): allowed. DHCP discovery from 0.0.0.0: allowed. Otherwise the source must be the port's.
        ports.AddRule(addressChain, new NftRule().IsIpv4Ethernet().SourceAddress(IPAddress.Any).L4Protocol(17)
            .DestinationPorts(67, 67).Return());
        // A VM never answers as a DHCP or DHCPv6 server: CloudBox's are the network's only ones (as in Neutron).
        ports.AddRule(addressChain, new NftRule().IsIpv4Ethernet().L4Protocol(17).SourcePort(67).Counter().Drop());
        ports.AddRule(addressChain, new NftRule().IsIpv6Ethernet().L4Protocol(17).SourcePort(547).Counter().Drop());
        var sources = SourceAddresses(port);
        foreach (var (address, prefix) in sources.Where(s => !IsV6(s.Address)))
            ports.AddRule(addressChain, new NftRule().IsIpv4Ethernet().SourceAddress(address, prefix).Return());
        ports.AddRule(addressChain, new NftRule().IsIpv4Ethernet().Counter().Drop());
        // IPv6: never a router advertisement from a VM; from :: only ICMPv6 (duplicate address detection, MLD); else the port's own.
        ports.AddRule(addressChain, new NftRule().IsIpv6Ethernet().L4Protocol(58)
            .IcmpType(RouterAdvertisements.RouterAdvertisement.RouterAdvertisementType).Counter().Drop());
        ports.AddRule(addressChain, new NftRule().IsIpv6Ethernet().SourceAddress(IPAddress.IPv6Any).L4Protocol(58).Return());
        foreach (var (address, prefix) in sources.Where(s => IsV6(s.Address)))
            ports.AddRule(addressChain, new NftRule().IsIpv6Ethernet().SourceAddress(address, prefix).Return());
        ports.AddRule(addressChain, new NftRule().IsIpv6Ethernet().Counter().Drop());
    }

    /// <summary>
    /// One address set per group that some rule names as its remote group, holding its members'
    /// addresses: a rule "from members of G" stays one lookup however many members G has.
    /// </summary>
    private static Dictionary<(string Group, bool Ipv6), (string Name, uint Id)> RemoteGroupSets(NftTableContent groups, DesiredState state)
    {
        var sets = new Dictionary<(string, bool), (string, uint)>();
        var remoteGroups = state.RulesByGroup.SelectMany(g => g).Where(r => r["remote_group_id"] is not null)
            .Select(r => (r["remote_group_id"]!.GetValue<string>(), r["ethertype"]!.GetValue<string>() == "IPv6")).Distinct();
        foreach (var (groupId, ipv6) in remoteGroups)
        {
            var name = (ipv6 ? "group6-" : "group-") + groupId[..8];
            // An id that does not depend on the other sets, so the rules naming this set stay equal from pass to pass.
            var set = (name, 0x4000_0000u | (StableHash(name) & 0x3fff_ffffu));
            var members = state.InstancePorts().Where(p => ((JsonArray)p["security_groups"]!).Any(g => g!.GetValue<string>() == groupId));
            groups.AddAddressSet(set.Item1, set.Item2,
                members.SelectMany(SourceAddresses).Where(a => a.Prefix == FullLength(a.Address) && IsV6(a.Address) == ipv6).Select(a => a.Address), ipv6);
            sets[(groupId, ipv6)] = set;
        }
        return sets;
    }

    private static void Egress(NftTableContent groups, DesiredState state, Dictionary<(string Group, bool Ipv6), (string Name, uint Id)> sets, Dispatch dispatch, string? bridge,
        JsonObject port)
    {
        if (bridge is null)
            return; // not plugged anywhere: nothing to filter
        var chain = "out-" + ShortId(port);
        groups.AddChain(chain);
        foreach (var (address, prefix) in SourceAddresses(port))
        {
            if (prefix == FullLength(address))
                (IsV6(address) ? dispatch.Egress6 : dispatch.Egress).Add((NftRule.InterfaceAndAddressKey(bridge, address), chain));
            else if (IsV6(address))
                dispatch.Egress6ByPrefix.Add(new NftRule().InputInterface(bridge).IsIpv6().SourceAddress(address, prefix).Jump(chain));
            else
                dispatch.EgressByPrefix.Add(new NftRule().InputInterface(bridge).IsIpv4().SourceAddress(address, prefix).Jump(chain));
        }
        // DHCP and DHCPv6 requests reach CloudBox's server whatever the rules say, as in Neutron.
        groups.AddRule(chain, new NftRule().L4Protocol(17).DestinationPorts(67, 67).Return());
        groups.AddRule(chain, new NftRule().IsIpv6().L4Protocol(17).DestinationPorts(547, 547).Return());
        foreach (var rule in RulesOf(state, port, "egress"))
        {
            foreach (var match in Matches(sets, rule, remoteIsSource: false))
                groups.AddRule(chain, match.Return());
        }
        groups.AddRule(chain, new NftRule().Counter().Drop());
    }

    private static void Ingress(NftTableContent groups, DesiredState state, Dictionary<(string Group, bool Ipv6), (string Name, uint Id)> sets, Dispatch dispatch, string? bridge,
        JsonObject port)
    {
        if (bridge is null)
            return;
        var chain = "in-" + ShortId(port);
        groups.AddChain(chain);
        foreach (var (address, prefix) in SourceAddresses(port))
        {
            if (prefix == FullLength(address))
                (IsV6(address) ? dispatch.Ingress6 : dispatch.Ingress).Add((NftRule.InterfaceAndAddressKey(bridge, address), chain));
            else if (IsV6(address))
                dispatch.Ingress6ByPrefix.Add(new NftRule().OutputInterface(bridge).IsIpv6().DestinationAddress(address, prefix).Jump(chain));
            else
                dispatch.IngressByPrefix.Add(new NftRule().OutputInterface(bridge).IsIpv4().DestinationAddress(address, prefix).Jump(chain));
        }
        foreach (var rule in RulesOf(state, port, "ingress"))
        {
            foreach (var match in Matches(sets, rule, remoteIsSource: true))
                groups.AddRule(chain, match.Accept());
        }
        groups.AddRule(chain, new NftRule().Counter().Drop());
    }

    private static IEnumerable<JsonObject> RulesOf(DesiredState state, JsonObject port, string direction) =>
        ((JsonArray)port["security_groups"]!).Select(g => g!.GetValue<string>())
            .SelectMany(g => state.RulesByGroup[g])
            .Where(r => r["direction"]!.GetValue<string>() == direction);

    /// <summary>The nft match for a rule: its family, protocol and ports, and its remote side as a prefix or a group's address set.</summary>
    private static IEnumerable<NftRule> Matches(Dictionary<(string Group, bool Ipv6), (string Name, uint Id)> sets, JsonObject rule, bool remoteIsSource)
    {
        var ipv6 = rule["ethertype"]!.GetValue<string>() == "IPv6";
        var match = ipv6 ? new NftRule().IsIpv6() : new NftRule().IsIpv4();
        if (rule["remote_group_id"]?.GetValue<string>() is { } groupId)
        {
            var set = sets[(groupId, ipv6)];
            match = remoteIsSource ? match.SourceInSet(set.Name, set.Id, ipv6) : match.DestinationInSet(set.Name, set.Id, ipv6);
        }
        else if (rule["normalized_cidr"]?.GetValue<string>() is { } cidr && cidr is not ("0.0.0.0/0" or "::/0"))
        {
            var parts = cidr.Split('/');
            var address = IPAddress.Parse(parts[0]);
            if (IsV6(address) != ipv6)
                yield break; // a prefix of the other family never matches
            var prefix = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : FullLength(address);
            if (prefix > 0)
                match = remoteIsSource ? match.SourceAddress(address, prefix) : match.DestinationAddress(address, prefix);
        }
        var protocol = SecurityGroupRuleEndpoints.ProtocolNumber(rule["protocol"]?.GetValue<string>());
        if (protocol is { } number)
        {
            if (ipv6 && number == 1)
                number = 58; // "icmp" in an IPv6 rule means ICMPv6, as in Neutron
            match = match.L4Protocol((byte)number);
            var min = rule["port_range_min"]?.GetValue<int>();
            var max = rule["port_range_max"]?.GetValue<int>();
            if (number is 1 or 58)
            {
                if (min is { } type)
                    match = match.IcmpType(type);
                if (max is { } code)
                    match = match.IcmpCode(code);
            }
            else if (min is { } low && number is 6 or 17 or 132 or 33 or 136)
            {
                match = match.DestinationPorts(low, max ?? low);
            }
        }
        yield return match;
    }

    private static uint StableHash(string text)
    {
        var hash = 2166136261u; // FNV-1a
        foreach (var c in text)
            hash = (hash ^ c) * 16777619u;
        return hash;
    }

    private static byte[] ParseMac(string mac) =>
        mac.Split(':').Select(p => byte.Parse(p, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
