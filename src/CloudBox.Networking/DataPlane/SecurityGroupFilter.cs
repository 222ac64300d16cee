using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Linux.Netlink;
using CloudBox.Networking.SecurityGroups;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// Security groups and anti-spoofing as nftables rules (IPv4 and IPv6), written in one atomic batch per pass: the whole tables at start, then only what changed:
/// <list type="bullet">
/// <item>table <c>bridge cloudbox-ports</c>: anti-spoofing, see <see cref="AntiSpoofingTable"/>.</item>
/// <item>table <c>inet cloudbox-sg</c> on the forward hook, which bridged IPv4 and IPv6 reach through
/// br_netfilter and so has connection tracking: replies of allowed connections pass; a port's
/// egress rules judge what it sends (by source address, trustworthy after anti-spoofing), its
/// ingress rules what is sent to it; anything else to or from a filtered port is dropped. Packets
/// of established connections leave at the first rule, neighbour discovery and MLD at the next two;
/// new ones reach their port's chains through verdict maps keyed by (bridge, address), two per IP version.
/// Those chains depend only on the port's security groups, so ports with the same groups share
/// them (see <see cref="GroupChains"/>): a port costs map elements, not rules.</item>
/// </list>
/// </summary>
public sealed class SecurityGroupFilter
{
    private NftTableContent? _ports, _groups; // as last written

    /// <summary>CLOUDBOX_NFT_WHOLE=1 writes the whole tables every pass, as before diffs: for measuring one against the other in one binary.</summary>
    private static readonly bool WholeEveryPass = Environment.GetEnvironmentVariable("CLOUDBOX_NFT_WHOLE") == "1";
    private string? _namespace;

    /// <summary>How the last pass wrote the tables: whole or only the changes, in how many messages, and how long the kernel took to commit them (the rest of the phase is building and comparing the tables).</summary>
    public string LastChange { get; private set; } = "";

    public const string PortsTable = AntiSpoofingTable.Table;
    public const string GroupsTable = "cloudbox-sg";

    /// <param name="bridges">The bridge of each network: dispatch to a port's chains also matches its bridge, so equal
    /// addresses on two tenants' overlapping networks never share each other's rules.</param>
    /// <param name="metadataBridges">Bridges holding 169.254.169.254: from them the host accepts only metadata requests.</param>
    public void Apply(DesiredState state, IReadOnlyDictionary<string, string> bridges, IReadOnlyCollection<string> metadataBridges,
        string? namespacePath)
    {
        var instancePorts = state.InstancePorts().Select(p => new PortSecurityView(p)).ToList();
        var filtered = instancePorts.Where(p => p.Filtered).ToList();
        var ports = AntiSpoofingTable.Build(filtered);
        var groups = new NftTableContent(NftBatch.FamilyInet, GroupsTable).AddChain("forward", hook: 2, priority: 0);
        // Most packets belong to a connection already allowed: they leave at the first rule.
        groups.AddRule("forward", new NftRule().CtStateIn(2 | 4).Accept());
        // Neighbour discovery and MLD (untracked by conntrack) pass whatever the groups say, as in
        // Neutron, or SLAAC and address resolution would break; a VM's own advertisements never get
        // here (anti-spoofing drops them).
        groups.AddRule("forward", new NftRule().IsIpv6().L4Protocol(58).IcmpTypes(130, 136).Accept());
        groups.AddRule("forward", new NftRule().IsIpv6().L4Protocol(58).IcmpType(143).Accept());
        MetadataOnly(groups, state, bridges, metadataBridges);
        var chains = new GroupChains(groups, state, RemoteGroupSets(groups, state, instancePorts));
        var dispatch = new Dispatch();
        foreach (var port in filtered)
        {
            if (bridges.GetValueOrDefault(port.NetworkId) is { } bridge) // not plugged anywhere: nothing to filter
                dispatch.Add(bridge, port, chains.Of(port.Groups));
        }

        // Dispatch to the group chains: one hash lookup each, however many ports there are.
        var byAddress = NftKeyType.Concatenation(NftKeyType.InterfaceName, NftKeyType.Ipv4Address);
        var byAddress6 = NftKeyType.Concatenation(NftKeyType.InterfaceName, NftKeyType.Ipv6Address);
        groups.AddVerdictMap(EgressMap, EgressMapId, byAddress, 20, dispatch.Egress);
        groups.AddVerdictMap(IngressMap, IngressMapId, byAddress, 20, dispatch.Ingress);
        groups.AddRule("forward", new NftRule().IsIpv4().JumpByInputInterfaceAndSource(EgressMap, EgressMapId));
        foreach (var rule in dispatch.EgressByPrefix)
            groups.AddRule("forward", rule);
        groups.AddRule("forward", new NftRule().IsIpv4().JumpByOutputInterfaceAndDestination(IngressMap, IngressMapId));
        foreach (var rule in dispatch.IngressByPrefix)
            groups.AddRule("forward", rule);
        groups.AddVerdictMap(Egress6Map, Egress6MapId, byAddress6, 32, dispatch.Egress6);
        groups.AddVerdictMap(Ingress6Map, Ingress6MapId, byAddress6, 32, dispatch.Ingress6);
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
        var kernel = TimeSpan.Zero;
        if (!whole)
        {
            ports.WriteChanges(batch, _ports!);
            groups.WriteChanges(batch, _groups!);
            messages = batch.Count;
            try
            {
                if (batch.Count > 0)
                    kernel += Timed(() => batch.Commit(namespacePath));
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
            kernel += Timed(() => batch.Commit(namespacePath));
        }
        (_ports, _groups, _namespace) = (ports, groups, namespacePath);
        LastChange = $"{(whole ? "whole" : "changes")}, {messages} messages (commit {kernel.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)} ms)";
    }

    private static TimeSpan Timed(Action action)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        action();
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    private const string EgressMap = "egress-by-source", IngressMap = "ingress-by-destination";
    private const string Egress6Map = "egress6-by-source", Ingress6Map = "ingress6-by-destination";
    private const uint EgressMapId = 100_002, IngressMapId = 100_003, Egress6MapId = 100_004, Ingress6MapId = 100_005;

    /// <summary>
    /// Where packets go to their port's chains. Bridged IPv4 reaches the inet forward hook through
    /// br_netfilter with the bridge (not the tap) as its device, so ports are told apart there by
    /// (bridge, address): equal addresses on two tenants' overlapping networks never share rules.
    /// Allowed address pairs that are prefixes cannot be map keys and keep a rule each.
    /// </summary>
    private sealed class Dispatch
    {
        public List<(byte[] Key, string Chain)> Egress { get; } = [];
        public List<(byte[] Key, string Chain)> Ingress { get; } = [];
        public List<NftRule> EgressByPrefix { get; } = [];
        public List<NftRule> IngressByPrefix { get; } = [];
        public List<(byte[] Key, string Chain)> Egress6 { get; } = [];
        public List<(byte[] Key, string Chain)> Ingress6 { get; } = [];
        public List<NftRule> Egress6ByPrefix { get; } = [];
        public List<NftRule> Ingress6ByPrefix { get; } = [];

        /// <summary>What <paramref name="port"/> sends (by source) to <paramref name="chains"/>' egress chain, what is sent to it (by destination) to the ingress one.</summary>
        public void Add(string bridge, PortSecurityView port, (string Egress, string Ingress) chains)
        {
            foreach (var (address, prefix) in port.Sources)
            {
                var ipv6 = PortSecurityView.IsV6(address);
                if (PortSecurityView.IsExact((address, prefix)))
                {
                    var key = NftRule.InterfaceAndAddressKey(bridge, address);
                    (ipv6 ? Egress6 : Egress).Add((key, chains.Egress));
                    (ipv6 ? Ingress6 : Ingress).Add((key, chains.Ingress));
                }
                else if (ipv6)
                {
                    Egress6ByPrefix.Add(new NftRule().InputInterface(bridge).IsIpv6().SourceAddress(address, prefix).Jump(chains.Egress));
                    Ingress6ByPrefix.Add(new NftRule().OutputInterface(bridge).IsIpv6().DestinationAddress(address, prefix).Jump(chains.Ingress));
                }
                else
                {
                    EgressByPrefix.Add(new NftRule().InputInterface(bridge).IsIpv4().SourceAddress(address, prefix).Jump(chains.Egress));
                    IngressByPrefix.Add(new NftRule().OutputInterface(bridge).IsIpv4().DestinationAddress(address, prefix).Jump(chains.Ingress));
                }
            }
        }
    }

    /// <summary>
    /// One egress and one ingress chain per distinct set of security groups, shared by every port
    /// that has exactly those groups: egress rules judge by source address and ingress rules by
    /// destination, which the dispatch already tied to the port, and remote groups are named sets,
    /// so nothing in the chains is the port's own. A chain is named after a hash of its group ids,
    /// so it keeps its name from pass to pass: a group's rule change rewrites its chains (once for
    /// all their ports), a port changing groups only moves its map elements.
    /// </summary>
    private sealed class GroupChains(NftTableContent groups, DesiredState state, Dictionary<(string Group, bool Ipv6), (string Name, uint Id)> sets)
    {
        private readonly Dictionary<string, (string Egress, string Ingress)> _byGroups = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _groupsByName = new(StringComparer.Ordinal);

        /// <param name="ids">The port's group ids, each once, in ordinal order (<see cref="PortSecurityView.Groups"/>).</param>
        public (string Egress, string Ingress) Of(string[] ids)
        {
            var key = string.Join(',', ids);
            if (_byGroups.TryGetValue(key, out var chains))
                return chains;
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16];
            var name = hash;
            // Two sets of groups with one name would share rules: never, however unlikely.
            for (var n = 2; !_groupsByName.TryAdd(name, key); n++)
                name = $"{hash}-{n}";
            chains = ("out-" + name, "in-" + name);
            _byGroups[key] = chains;

            groups.AddChain(chains.Egress);
            // DHCP and DHCPv6 requests reach CloudBox's server whatever the rules say, as in Neutron.
            groups.AddRule(chains.Egress, new NftRule().L4Protocol(17).DestinationPorts(67, 67).Return());
            groups.AddRule(chains.Egress, new NftRule().IsIpv6().L4Protocol(17).DestinationPorts(547, 547).Return());
            foreach (var rule in RulesOf(ids, "egress"))
            {
                foreach (var match in Matches(sets, rule, remoteIsSource: false))
                    groups.AddRule(chains.Egress, match.Return());
            }
            groups.AddRule(chains.Egress, new NftRule().Counter().Drop());

            groups.AddChain(chains.Ingress);
            foreach (var rule in RulesOf(ids, "ingress"))
            {
                foreach (var match in Matches(sets, rule, remoteIsSource: true))
                    groups.AddRule(chains.Ingress, match.Accept());
            }
            groups.AddRule(chains.Ingress, new NftRule().Counter().Drop());
            return chains;
        }

        private IEnumerable<JsonObject> RulesOf(string[] groupIds, string direction) =>
            groupIds.SelectMany(g => state.RulesByGroup[g]).Where(r => r["direction"]!.GetValue<string>() == direction);
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

    /// <summary>
    /// One address set per group that some rule names as its remote group, holding its members'
    /// addresses: a rule "from members of G" stays one lookup however many members G has.
    /// </summary>
    private static Dictionary<(string Group, bool Ipv6), (string Name, uint Id)> RemoteGroupSets(NftTableContent groups, DesiredState state,
        List<PortSecurityView> instancePorts)
    {
        var members = instancePorts.SelectMany(p => p.Groups.Select(g => (Group: g, Port: p))).ToLookup(m => m.Group, m => m.Port);
        var sets = new Dictionary<(string, bool), (string, uint)>();
        var remoteGroups = state.RulesByGroup.SelectMany(g => g).Where(r => r["remote_group_id"] is not null)
            .Select(r => (r["remote_group_id"]!.GetValue<string>(), r["ethertype"]!.GetValue<string>() == "IPv6")).Distinct();
        foreach (var (groupId, ipv6) in remoteGroups)
        {
            var name = (ipv6 ? "group6-" : "group-") + groupId[..8];
            // An id that does not depend on the other sets, so the rules naming this set stay equal from pass to pass.
            var set = (name, 0x4000_0000u | (StableHash(name) & 0x3fff_ffffu));
            groups.AddAddressSet(set.Item1, set.Item2, members[groupId].SelectMany(p => p.Sources)
                .Where(a => PortSecurityView.IsExact(a) && PortSecurityView.IsV6(a.Address) == ipv6).Select(a => a.Address), ipv6);
            sets[(groupId, ipv6)] = set;
        }
        return sets;
    }

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
            if (PortSecurityView.IsV6(address) != ipv6)
                yield break; // a prefix of the other family never matches
            var prefix = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : PortSecurityView.FullLength(address);
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
}
