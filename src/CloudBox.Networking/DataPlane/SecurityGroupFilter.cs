using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Linux.Netlink;
using CloudBox.Networking.SecurityGroups;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// Security groups and anti-spoofing as nftables rules, rebuilt as whole tables in one atomic batch:
/// <list type="bullet">
/// <item>table <c>bridge cloudbox-ports</c>: one verdict-map lookup by tap sends a frame to its port's
/// chain, where it must carry the port's MAC and one of its addresses (or an allowed address pair);
/// DHCP discovery is let through.</item>
/// <item>table <c>inet cloudbox-sg</c> on the forward hook, which bridged IPv4 reaches through
/// br_netfilter and so has connection tracking: replies of allowed connections pass; a port's
/// egress rules judge what it sends (by source address, trustworthy after anti-spoofing), its
/// ingress rules what is sent to it; anything else to or from a filtered port is dropped. Packets
/// of established connections leave at the first rule; new ones reach their port's chains through
/// two verdict maps keyed by (bridge, address).</item>
/// </list>
/// </summary>
public static class SecurityGroupFilter
{
    public const string PortsTable = "cloudbox-ports";
    public const string GroupsTable = "cloudbox-sg";

    /// <param name="bridges">The bridge of each network: dispatch to a port's chains also matches its bridge, so equal
    /// addresses on two tenants' overlapping networks never share each other's rules.</param>
    /// <param name="metadataBridges">Bridges holding 169.254.169.254: from them the host accepts only metadata requests.</param>
    public static void Apply(DesiredState state, IReadOnlyDictionary<string, string> bridges, IReadOnlyCollection<string> metadataBridges,
        string? namespacePath)
    {
        var filtered = state.InstancePorts().Where(p => p["port_security_enabled"]?.GetValue<bool>() == true).ToList();
        var batch = new NftBatch()
            .ReplaceTable(NftBatch.FamilyBridge, PortsTable)
            .AddChain(NftBatch.FamilyBridge, PortsTable, "prerouting", hook: 0, priority: -300)
            .ReplaceTable(NftBatch.FamilyInet, GroupsTable)
            .AddChain(NftBatch.FamilyInet, GroupsTable, "forward", hook: 2, priority: 0);
        // Most packets belong to a connection already allowed: they leave at the first rule.
        batch.AddRule(NftBatch.FamilyInet, GroupsTable, "forward", new NftRule().CtStateIn(2 | 4).Accept());
        MetadataOnly(batch, state, bridges, metadataBridges);
        var sets = RemoteGroupSets(batch, state);
        var dispatch = new Dispatch();
        foreach (var port in filtered)
            AntiSpoofing(batch, dispatch, port);
        foreach (var port in filtered)
            Egress(batch, state, sets, dispatch, BridgeOf(bridges, port), port);
        foreach (var port in filtered)
            Ingress(batch, state, sets, dispatch, BridgeOf(bridges, port), port);

        // Dispatch to the per-port chains: one hash lookup each, however many ports there are.
        batch.AddVerdictMap(NftBatch.FamilyBridge, PortsTable, SpoofMap, SpoofMapId, 16, dispatch.Spoofing);
        batch.AddRule(NftBatch.FamilyBridge, PortsTable, "prerouting", new NftRule().JumpByInputInterface(SpoofMap, SpoofMapId));
        batch.AddVerdictMap(NftBatch.FamilyInet, GroupsTable, EgressMap, EgressMapId, 20, dispatch.Egress);
        batch.AddVerdictMap(NftBatch.FamilyInet, GroupsTable, IngressMap, IngressMapId, 20, dispatch.Ingress);
        batch.AddRule(NftBatch.FamilyInet, GroupsTable, "forward", new NftRule().IsIpv4().JumpByInputInterfaceAndSource(EgressMap, EgressMapId));
        foreach (var rule in dispatch.EgressByPrefix)
            batch.AddRule(NftBatch.FamilyInet, GroupsTable, "forward", rule);
        batch.AddRule(NftBatch.FamilyInet, GroupsTable, "forward", new NftRule().IsIpv4().JumpByOutputInterfaceAndDestination(IngressMap, IngressMapId));
        foreach (var rule in dispatch.IngressByPrefix)
            batch.AddRule(NftBatch.FamilyInet, GroupsTable, "forward", rule);
        batch.Commit(namespacePath);
    }

    private const string SpoofMap = "spoof-by-tap", EgressMap = "egress-by-source", IngressMap = "ingress-by-destination";
    private const uint SpoofMapId = 100_001, EgressMapId = 100_002, IngressMapId = 100_003;

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
    }

    /// <summary>
    /// A bridge with an address makes the host reachable from the tenant's network: only TCP to
    /// 169.254.169.254:80 is let in, never the host's other services (on that address or any other).
    /// External networks are left alone: there the host is the upstream gateway on purpose.
    /// </summary>
    private static void MetadataOnly(NftBatch batch, DesiredState state, IReadOnlyDictionary<string, string> bridges,
        IReadOnlyCollection<string> metadataBridges)
    {
        var external = state.Networks.Where(n => n["router:external"]?.GetValue<bool>() == true)
            .Select(n => bridges.GetValueOrDefault(n["id"]!.GetValue<string>())).OfType<string>().ToHashSet();
        var tenantBridges = metadataBridges.Where(b => !external.Contains(b)).ToList();
        if (tenantBridges.Count == 0)
            return;
        batch.AddChain(NftBatch.FamilyInet, GroupsTable, "input", hook: 1, priority: 0);
        foreach (var bridge in tenantBridges)
        {
            batch.AddRule(NftBatch.FamilyInet, GroupsTable, "input", new NftRule().InputInterface(bridge).IsIpv4()
                .DestinationAddress(Metadata.MetadataServer.Address).L4Protocol(6).DestinationPorts(80, 80).Accept());
            batch.AddRule(NftBatch.FamilyInet, GroupsTable, "input", new NftRule().InputInterface(bridge).Counter().Drop());
        }
    }

    private static string? BridgeOf(IReadOnlyDictionary<string, string> bridges, JsonObject port) =>
        bridges.GetValueOrDefault(port["network_id"]!.GetValue<string>());

    private static string ShortId(JsonObject port) => port["id"]!.GetValue<string>()[..8];

    /// <summary>The addresses a port may send from: its fixed IPs and its allowed address pairs (which may be prefixes).</summary>
    private static List<(IPAddress Address, int Prefix)> SourceAddresses(JsonObject port)
    {
        var result = new List<(IPAddress, int)>();
        foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
            result.Add((IPAddress.Parse(fixedIp!["ip_address"]!.GetValue<string>()), 32));
        foreach (var pair in (JsonArray?)port["allowed_address_pairs"] ?? [])
        {
            var text = pair!["ip_address"]!.GetValue<string>();
            var parts = text.Split('/');
            if (IPAddress.TryParse(parts[0], out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                result.Add((address, parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 32));
        }
        return result;
    }

    private static void AntiSpoofing(NftBatch batch, Dispatch dispatch, JsonObject port)
    {
        var tap = KernelNames.Tap(port["id"]!.GetValue<string>());
        var chain = "spoof-" + ShortId(port);
        batch.AddChain(NftBatch.FamilyBridge, PortsTable, chain);
        dispatch.Spoofing.Add((NftRule.InterfaceKey(tap), chain));
        var macs = new List<byte[]> { ParseMac(port["mac_address"]!.GetValue<string>()) };
        foreach (var pair in (JsonArray?)port["allowed_address_pairs"] ?? [])
            macs.Add(ParseMac(pair!["mac_address"]!.GetValue<string>()));
        // A frame from a MAC the port owns goes on to the address check (and never comes back here); any other is dropped.
        var addressChain = "addr-" + ShortId(port);
        batch.AddChain(NftBatch.FamilyBridge, PortsTable, addressChain);
        foreach (var mac in macs.DistinctBy(Convert.ToHexString))
            batch.AddRule(NftBatch.FamilyBridge, PortsTable, chain, new NftRule().SourceMac(mac).Goto(addressChain));
        batch.AddRule(NftBatch.FamilyBridge, PortsTable, chain, new NftRule().Counter().Drop());
        // Not IPv4 (ARP): allowed. DHCP discovery from 0.0.0.0: allowed. Otherwise the source must be the port's.
        batch.AddRule(NftBatch.FamilyBridge, PortsTable, addressChain, new NftRule().IsIpv4Ethernet().SourceAddress(IPAddress.Any).L4Protocol(17)
            .DestinationPorts(67, 67).Return());
        foreach (var (address, prefix) in SourceAddresses(port))
            batch.AddRule(NftBatch.FamilyBridge, PortsTable, addressChain, new NftRule().IsIpv4Ethernet().SourceAddress(address, prefix).Return());
        batch.AddRule(NftBatch.FamilyBridge, PortsTable, addressChain, new NftRule().IsIpv4Ethernet().Counter().Drop());
    }

    /// <summary>
    /// One address set per group that some rule names as its remote group, holding its members'
    /// addresses: a rule "from members of G" stays one lookup however many members G has.
    /// </summary>
    private static Dictionary<string, (string Name, uint Id)> RemoteGroupSets(NftBatch batch, DesiredState state)
    {
        var sets = new Dictionary<string, (string, uint)>();
        var remoteGroups = state.RulesByGroup.SelectMany(g => g).Select(r => r["remote_group_id"]?.GetValue<string>()).OfType<string>().Distinct();
        foreach (var groupId in remoteGroups)
        {
            var set = ("group-" + groupId[..8], (uint)sets.Count + 1);
            var members = state.InstancePorts().Where(p => ((JsonArray)p["security_groups"]!).Any(g => g!.GetValue<string>() == groupId));
            batch.AddAddressSet(NftBatch.FamilyInet, GroupsTable, set.Item1, set.Item2,
                members.SelectMany(SourceAddresses).Where(a => a.Prefix == 32).Select(a => a.Address));
            sets[groupId] = set;
        }
        return sets;
    }

    private static void Egress(NftBatch batch, DesiredState state, Dictionary<string, (string Name, uint Id)> sets, Dispatch dispatch, string? bridge,
        JsonObject port)
    {
        if (bridge is null)
            return; // not plugged anywhere: nothing to filter
        var chain = "out-" + ShortId(port);
        batch.AddChain(NftBatch.FamilyInet, GroupsTable, chain);
        foreach (var (address, prefix) in SourceAddresses(port))
        {
            if (prefix == 32)
                dispatch.Egress.Add((NftRule.InterfaceAndAddressKey(bridge, address), chain));
            else
                dispatch.EgressByPrefix.Add(new NftRule().InputInterface(bridge).IsIpv4().SourceAddress(address, prefix).Jump(chain));
        }
        // DHCP requests reach CloudBox's server whatever the rules say, as in Neutron.
        batch.AddRule(NftBatch.FamilyInet, GroupsTable, chain, new NftRule().L4Protocol(17).DestinationPorts(67, 67).Return());
        foreach (var rule in RulesOf(state, port, "egress"))
        {
            foreach (var match in Matches(sets, rule, remoteIsSource: false))
                batch.AddRule(NftBatch.FamilyInet, GroupsTable, chain, match.Return());
        }
        batch.AddRule(NftBatch.FamilyInet, GroupsTable, chain, new NftRule().Counter().Drop());
    }

    private static void Ingress(NftBatch batch, DesiredState state, Dictionary<string, (string Name, uint Id)> sets, Dispatch dispatch, string? bridge,
        JsonObject port)
    {
        if (bridge is null)
            return;
        var chain = "in-" + ShortId(port);
        batch.AddChain(NftBatch.FamilyInet, GroupsTable, chain);
        foreach (var (address, prefix) in SourceAddresses(port))
        {
            if (prefix == 32)
                dispatch.Ingress.Add((NftRule.InterfaceAndAddressKey(bridge, address), chain));
            else
                dispatch.IngressByPrefix.Add(new NftRule().OutputInterface(bridge).IsIpv4().DestinationAddress(address, prefix).Jump(chain));
        }
        foreach (var rule in RulesOf(state, port, "ingress"))
        {
            foreach (var match in Matches(sets, rule, remoteIsSource: true))
                batch.AddRule(NftBatch.FamilyInet, GroupsTable, chain, match.Accept());
        }
        batch.AddRule(NftBatch.FamilyInet, GroupsTable, chain, new NftRule().Counter().Drop());
    }

    private static IEnumerable<JsonObject> RulesOf(DesiredState state, JsonObject port, string direction) =>
        ((JsonArray)port["security_groups"]!).Select(g => g!.GetValue<string>())
            .SelectMany(g => state.RulesByGroup[g])
            .Where(r => r["direction"]!.GetValue<string>() == direction && r["ethertype"]!.GetValue<string>() == "IPv4");

    /// <summary>The nft match for a rule: its protocol and ports, and its remote side as a prefix or a group's address set.</summary>
    private static IEnumerable<NftRule> Matches(Dictionary<string, (string Name, uint Id)> sets, JsonObject rule, bool remoteIsSource)
    {
        var remotes = new List<(IPAddress, int)?>();
        (string Name, uint Id)? remoteSet = null;
        if (rule["remote_group_id"]?.GetValue<string>() is { } groupId)
        {
            remoteSet = sets[groupId];
            remotes.Add(null);
        }
        else if (rule["normalized_cidr"]?.GetValue<string>() is { } cidr && cidr != "0.0.0.0/0")
        {
            var parts = cidr.Split('/');
            remotes.Add((IPAddress.Parse(parts[0]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
        }
        else
        {
            remotes.Add(null);
        }
        foreach (var remote in remotes)
        {
            var match = new NftRule().IsIpv4();
            if (remote is { } r)
                match = remoteIsSource ? match.SourceAddress(r.Item1, r.Item2) : match.DestinationAddress(r.Item1, r.Item2);
            if (remoteSet is { } set)
                match = remoteIsSource ? match.SourceInSet(set.Name, set.Id) : match.DestinationInSet(set.Name, set.Id);
            var protocol = SecurityGroupRuleEndpoints.ProtocolNumber(rule["protocol"]?.GetValue<string>());
            if (protocol is { } number)
            {
                match = match.L4Protocol((byte)number);
                var min = rule["port_range_min"]?.GetValue<int>();
                var max = rule["port_range_max"]?.GetValue<int>();
                if (number == 1)
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
    }

    private static byte[] ParseMac(string mac) =>
        mac.Split(':').Select(p => byte.Parse(p, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
