using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Networking.Api;

namespace CloudBox.Networking.Subnets;

/// <summary>
/// The address plan of an IPv6 subnet, validated as Neutron validates it: the prefix, the gateway
/// (default: the prefix's first address), the pools (default: the rest), DNS servers, and the two
/// modes. <c>ipv6_ra_mode</c> says what router advertisements CloudBox's router sends;
/// <c>ipv6_address_mode</c> how ports get addresses: on <c>slaac</c> and <c>dhcpv6-stateless</c>
/// subnets each port's address is the EUI-64 address its MAC gives, which is exactly what the
/// guest's kernel configures from the advertisement; on <c>dhcpv6-stateful</c> subnets it comes
/// from the pools and CloudBox's DHCPv6 server hands it out.
/// </summary>
public sealed class Ipv6Layout
{
    public const string Slaac = "slaac", Stateless = "dhcpv6-stateless", Stateful = "dhcpv6-stateful";
    private static readonly string[] Modes = [Slaac, Stateless, Stateful];

    public required Ipv6Cidr Cidr { get; init; }
    public UInt128? Gateway { get; set; }
    public List<(UInt128 Start, UInt128 End)> Pools { get; set; } = [];
    public string? RaMode { get; init; }
    public string? AddressMode { get; init; }

    public static bool IsIpv6(JsonObject subnet) => subnet["ip_version"]?.GetValue<int>() == 6;

    /// <summary>Ports on this subnet get their address from their MAC (SLAAC), never from a pool.</summary>
    public static bool IsAutoAddress(JsonObject subnet) =>
        IsIpv6(subnet) && subnet["ipv6_address_mode"]?.GetValue<string>() is Slaac or Stateless;

    /// <summary>The modes of a create request; refuses them on IPv4 and the combinations Neutron refuses.</summary>
    public static (string? RaMode, string? AddressMode) ReadModes(JsonObject request, int ipVersion, bool enableDhcp)
    {
        var ra = ReadMode(request, "ipv6_ra_mode");
        var address = ReadMode(request, "ipv6_address_mode");
        if (ipVersion == 4)
        {
            if (ra is not null)
                throw NeutronFault.InvalidInput("ipv6_ra_mode is not valid when ip_version is 4");
            if (address is not null)
                throw NeutronFault.InvalidInput("ipv6_address_mode is not valid when ip_version is 4");
            return (null, null);
        }
        if (ra is not null && address is not null && ra != address)
            throw NeutronFault.InvalidInput(
                $"ipv6_ra_mode set to '{ra}' with ipv6_address_mode set to '{address}' is not valid. If both attributes are set, they must be the same value");
        if ((ra is not null || address is not null) && !enableDhcp)
            throw NeutronFault.InvalidInput("ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False.");
        return (ra, address);
    }

    private static string? ReadMode(JsonObject request, string field)
    {
        var node = request[field];
        if (node is null)
            return null;
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return Modes.Contains(text) ? text : throw NeutronFault.InvalidInput($"'{text}' is not in [{string.Join(", ", Modes.Select(m => $"'{m}'"))}]");
    }

    public static Ipv6Cidr ParseCidr(string? text)
    {
        if (Ipv6Cidr.TryParse(text, out var canonical) is { } cidr)
            return cidr;
        if (canonical is not null)
            throw NeutronFault.InvalidInput($"'{text}' isn't a recommended CIDR, '{canonical}' should be used instead.");
        throw NeutronFault.InvalidInput($"'{text}' is not a valid IP subnet.");
    }

    public static Ipv6Layout FromRequest(JsonObject request, string? raMode, string? addressMode)
    {
        var cidrText = request["cidr"]?.GetValueKind() == JsonValueKind.String ? request["cidr"]!.GetValue<string>() : null;
        if (cidrText is null)
            throw new NeutronFault(400, "BadRequest", "Bad subnet request: a cidr must be specified in the absence of a subnet pool.");
        var layout = new Ipv6Layout { Cidr = ParseCidr(cidrText), RaMode = raMode, AddressMode = addressMode };
        if ((raMode ?? addressMode) is Slaac or Stateless && layout.Cidr.PrefixLength != 64)
            throw NeutronFault.InvalidInput(
                $"Invalid CIDR {layout.Cidr} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64");
        if (layout.Cidr.PrefixLength > 126)
            throw NeutronFault.InvalidInput($"Invalid CIDR {layout.Cidr}: an IPv6 subnet needs room for a gateway and a port.");
        // The prefix's own address is the subnet-router anycast address: never a host's.
        var first = layout.Cidr.Network + 1;
        layout.Gateway = request.ContainsKey("gateway_ip") ? ParseAddress(request["gateway_ip"], "gateway_ip", allowNull: true) : first;
        if (layout.Gateway is { } gateway && (!layout.Cidr.Contains(gateway) || gateway == layout.Cidr.Network))
            throw NeutronFault.InvalidInput($"Gateway is not valid on subnet {layout.Cidr}.");
        if (request["allocation_pools"] is JsonArray pools)
            layout.Pools = ParsePools(layout, pools);
        else if (layout.Gateway is { } g && g == first)
            layout.Pools = [(first + 1, layout.Cidr.Last)];
        else if (layout.Gateway is { } other)
            layout.Pools = [.. new[] { (first, other - 1), (other + 1, layout.Cidr.Last) }.Where(p => p.Item1 <= p.Item2)];
        else
            layout.Pools = [(first, layout.Cidr.Last)];
        foreach (var (start, end) in layout.Pools)
        {
            if (layout.Gateway is { } gw && gw >= start && gw <= end)
                throw NeutronFault.Conflict("GatewayConflictWithAllocationPools",
                    $"Gateway ip {Ipv6.Format(gw)} conflicts with allocation pool {Ipv6.Format(start)}-{Ipv6.Format(end)}");
        }
        return layout;
    }

    public static Ipv6Layout FromStored(JsonObject subnet) => new()
    {
        Cidr = Ipv6Cidr.TryParse(subnet["cidr"]!.GetValue<string>(), out _)!.Value,
        Gateway = subnet["gateway_ip"] is { } gateway ? Ipv6.TryParse(gateway.GetValue<string>()) : null,
        Pools = ((JsonArray)subnet["allocation_pools"]!).Select(p =>
            (Ipv6.TryParse(p!["start"]!.GetValue<string>())!.Value, Ipv6.TryParse(p["end"]!.GetValue<string>())!.Value)).ToList(),
        RaMode = subnet["ipv6_ra_mode"]?.GetValue<string>(),
        AddressMode = subnet["ipv6_address_mode"]?.GetValue<string>(),
    };

    public JsonArray PoolsJson() =>
        new([.. Pools.Select(p => (JsonNode)new JsonObject { ["start"] = Ipv6.Format(p.Start), ["end"] = Ipv6.Format(p.End) })]);

    public static UInt128? ParseAddress(JsonNode? node, string field, bool allowNull = false)
    {
        if (node is null)
            return allowNull ? null : throw NeutronFault.InvalidInput($"'{field}' is required");
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return Ipv6.TryParse(text) ?? throw NeutronFault.InvalidInput($"'{text}' is not a valid IP address");
    }

    public static JsonArray ParseNameservers(JsonNode? node)
    {
        var result = new JsonArray();
        if (node is null)
            return result;
        if (node is not JsonArray list)
            throw NeutronFault.InvalidInput("dns_nameservers must be a list");
        if (list.Count > SubnetLayout.MaxDnsNameservers)
            throw new NeutronFault(400, "DNSNameServersExhausted",
                $"Unable to complete operation for subnet. The number of DNS nameservers exceeds the limit {SubnetLayout.MaxDnsNameservers}.");
        var seen = new HashSet<UInt128>();
        foreach (var item in list)
        {
            var address = ParseAddress(item, "dns_nameservers")!.Value;
            if (!seen.Add(address))
                throw NeutronFault.InvalidInput($"Duplicate nameserver '{Ipv6.Format(address)}'");
            result.Add(Ipv6.Format(address));
        }
        return result;
    }

    private static List<(UInt128, UInt128)> ParsePools(Ipv6Layout layout, JsonArray pools)
    {
        var result = new List<(UInt128 Start, UInt128 End)>();
        foreach (var item in pools)
        {
            if (item is not JsonObject pool)
                throw NeutronFault.InvalidInput("each allocation pool is an object with start and end");
            var start = ParseAddress(pool["start"], "start")!.Value;
            var end = ParseAddress(pool["end"], "end")!.Value;
            if (!layout.Cidr.Contains(start) || !layout.Cidr.Contains(end) || start == layout.Cidr.Network)
                throw new NeutronFault(400, "OutOfBoundsAllocationPool",
                    $"The allocation pool {Ipv6.Format(start)}-{Ipv6.Format(end)} spans beyond the subnet cidr {layout.Cidr}.");
            if (start > end)
                throw new NeutronFault(400, "InvalidAllocationPool", $"The allocation pool {Ipv6.Format(start)}-{Ipv6.Format(end)} is not valid.");
            foreach (var (otherStart, otherEnd) in result)
            {
                if (start <= otherEnd && otherStart <= end)
                    throw new NeutronFault(400, "OverlappingAllocationPools",
                        $"Found overlapping allocation pools: {Ipv6.Format(start)}-{Ipv6.Format(end)} and {Ipv6.Format(otherStart)}-{Ipv6.Format(otherEnd)} for subnet {layout.Cidr}.");
            }
            result.Add((start, end));
        }
        result.Sort();
        return result;
    }
}
