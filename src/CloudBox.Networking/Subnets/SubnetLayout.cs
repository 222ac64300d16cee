using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Networking.Api;

namespace CloudBox.Networking.Subnets;

/// <summary>
/// The address plan of an IPv4 subnet, validated the way Neutron validates it: the prefix, the
/// gateway, the allocation pools (defaulting to every host address but the gateway), DNS servers
/// and host routes.
/// </summary>
public sealed class SubnetLayout
{
    public const int MaxDnsNameservers = 5;
    public const int MaxHostRoutes = 20;

    public required Ipv4Cidr Cidr { get; init; }
    public uint? Gateway { get; set; }
    public List<(uint Start, uint End)> Pools { get; set; } = [];

    public static Ipv4Cidr ParseCidr(string? text)
    {
        if (Ipv4Cidr.TryParse(text, out var canonical) is { } cidr)
            return cidr;
        if (canonical is not null)
            throw NeutronFault.InvalidInput($"'{text}' isn't a recommended CIDR, '{canonical}' should be used instead.");
        throw NeutronFault.InvalidInput($"'{text}' is not a valid IP subnet.");
    }

    /// <summary>Lowest and highest addresses a port may hold: all but network and broadcast (both usable in /31 and /32).</summary>
    public (uint First, uint Last) HostRange =>
        Cidr.PrefixLength >= 31 ? (Cidr.Network, Cidr.Broadcast) : (Cidr.Network + 1, Cidr.Broadcast - 1);

    public bool IsHost(uint address) => Cidr.Contains(address) && address >= HostRange.First && address <= HostRange.Last;

    public bool InPools(uint address) => Pools.Any(p => address >= p.Start && address <= p.End);

    /// <summary>The ip_version of a create request (4 when absent).</summary>
    public static int ReadIpVersion(JsonObject request)
    {
        if (request["ip_version"] is not { } version)
            return 4;
        var text = version.GetValueKind() == JsonValueKind.String ? version.GetValue<string>() : version.ToJsonString();
        return text switch
        {
            "4" => 4,
            "6" => 6,
            _ => throw NeutronFault.InvalidInput($"{text} is not in [4, 6]"),
        };
    }

    /// <summary>The prefix length of a stored subnet of either version.</summary>
    public static int PrefixLengthOf(JsonObject subnet)
    {
        var cidr = subnet["cidr"]!.GetValue<string>();
        return int.Parse(cidr[(cidr.IndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>True when two stored subnets share addresses (never across IP versions).</summary>
    public static bool Overlap(JsonObject a, JsonObject b)
    {
        var v6 = Ipv6Layout.IsIpv6(a);
        if (v6 != Ipv6Layout.IsIpv6(b))
            return false;
        return v6 ? Ipv6Layout.FromStored(a).Cidr.Overlaps(Ipv6Layout.FromStored(b).Cidr) : FromStored(a).Cidr.Overlaps(FromStored(b).Cidr);
    }

    /// <summary>Reads cidr, gateway_ip and allocation_pools of an IPv4 create request.</summary>
    public static SubnetLayout FromRequest(JsonObject request)
    {
        var cidrText = request["cidr"]?.GetValueKind() == JsonValueKind.String ? request["cidr"]!.GetValue<string>() : null;
        if (cidrText is null)
            throw new NeutronFault(400, "BadRequest", "Bad subnet request: a cidr must be specified in the absence of a subnet pool.");
        var layout = new SubnetLayout { Cidr = ParseCidr(cidrText) };
        var range = layout.HostRange;
        layout.Gateway = request.ContainsKey("gateway_ip")
            ? ParseAddress(request["gateway_ip"], "gateway_ip", allowNull: true)
            : range.First;
        if (layout.Gateway is { } gateway && !layout.Cidr.Contains(gateway))
            throw NeutronFault.InvalidInput($"Gateway is not valid on subnet {layout.Cidr}.");
        if (request["allocation_pools"] is JsonArray pools)
            layout.Pools = ParsePools(layout, pools);
        else
            layout.Pools = DefaultPools(range, layout.Gateway);
        return layout;
    }

    /// <summary>Checks a new gateway against the pools (a gateway inside a pool is Neutron's 409).</summary>
    public void CheckGateway()
    {
        if (Gateway is not { } gateway)
            return;
        foreach (var (start, end) in Pools)
        {
            if (gateway >= start && gateway <= end)
                throw NeutronFault.Conflict("GatewayConflictWithAllocationPools",
                    $"Gateway ip {Ipv4.Format(gateway)} conflicts with allocation pool {Ipv4.Format(start)}-{Ipv4.Format(end)}");
        }
    }

    public JsonArray PoolsJson() =>
        new([.. Pools.Select(p => (JsonNode)new JsonObject { ["start"] = Ipv4.Format(p.Start), ["end"] = Ipv4.Format(p.End) })]);

    /// <summary>Rebuilds the layout of a stored subnet.</summary>
    public static SubnetLayout FromStored(JsonObject subnet) => new()
    {
        Cidr = Ipv4Cidr.TryParse(subnet["cidr"]!.GetValue<string>(), out _)!.Value,
        Gateway = subnet["gateway_ip"] is { } gateway ? Ipv4.TryParse(gateway.GetValue<string>()) : null,
        Pools = ((JsonArray)subnet["allocation_pools"]!).Select(p =>
            (Ipv4.TryParse(p!["start"]!.GetValue<string>())!.Value, Ipv4.TryParse(p["end"]!.GetValue<string>())!.Value)).ToList(),
    };

    public static uint? ParseAddress(JsonNode? node, string field, bool allowNull = false)
    {
        if (node is null)
            return allowNull ? null : throw NeutronFault.InvalidInput($"'{field}' is required");
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return Ipv4.TryParse(text) ?? throw NeutronFault.InvalidInput($"'{text}' is not a valid IP address");
    }

    public static JsonArray ParseNameservers(JsonNode? node)
    {
        var result = new JsonArray();
        if (node is null)
            return result;
        if (node is not JsonArray list)
            throw NeutronFault.InvalidInput("dns_nameservers must be a list");
        if (list.Count > MaxDnsNameservers)
            throw new NeutronFault(400, "DNSNameServersExhausted",
                $"Unable to complete operation for subnet. The number of DNS nameservers exceeds the limit {MaxDnsNameservers}.");
        var seen = new HashSet<uint>();
        foreach (var item in list)
        {
            var address = ParseAddress(item, "dns_nameservers")!.Value;
            if (!seen.Add(address))
                throw NeutronFault.InvalidInput($"Duplicate nameserver '{Ipv4.Format(address)}'");
            result.Add(Ipv4.Format(address));
        }
        return result;
    }

    public static JsonArray ParseHostRoutes(JsonNode? node)
    {
        var result = new JsonArray();
        if (node is null)
            return result;
        if (node is not JsonArray list)
            throw NeutronFault.InvalidInput("host_routes must be a list");
        if (list.Count > MaxHostRoutes)
            throw new NeutronFault(400, "HostRoutesExhausted",
                $"Unable to complete operation for subnet. The number of host routes exceeds the limit {MaxHostRoutes}.");
        foreach (var item in list)
        {
            if (item is not JsonObject route)
                throw NeutronFault.InvalidInput("each host route is an object with destination and nexthop");
            var destination = ParseCidr(route["destination"]?.GetValueKind() == JsonValueKind.String ? route["destination"]!.GetValue<string>() : null);
            var nexthop = ParseAddress(route["nexthop"], "nexthop")!.Value;
            result.Add(new JsonObject { ["destination"] = destination.ToString(), ["nexthop"] = Ipv4.Format(nexthop) });
        }
        return result;
    }

    private static List<(uint, uint)> DefaultPools((uint First, uint Last) range, uint? gateway)
    {
        var pools = new List<(uint, uint)>();
        if (gateway is not { } g || g < range.First || g > range.Last)
        {
            pools.Add(range);
            return pools;
        }
        if (g > range.First)
            pools.Add((range.First, g - 1));
        if (g < range.Last)
            pools.Add((g + 1, range.Last));
        return pools;
    }

    private static List<(uint, uint)> ParsePools(SubnetLayout layout, JsonArray pools)
    {
        var result = new List<(uint Start, uint End)>();
        foreach (var item in pools)
        {
            if (item is not JsonObject pool)
                throw NeutronFault.InvalidInput("each allocation pool is an object with start and end");
            var start = ParseAddress(pool["start"], "start")!.Value;
            var end = ParseAddress(pool["end"], "end")!.Value;
            if (!layout.IsHost(start) || !layout.IsHost(end))
                throw new NeutronFault(400, "OutOfBoundsAllocationPool",
                    $"The allocation pool {Ipv4.Format(start)}-{Ipv4.Format(end)} spans beyond the subnet cidr {layout.Cidr}.");
            if (start > end)
                throw new NeutronFault(400, "InvalidAllocationPool", $"The allocation pool {Ipv4.Format(start)}-{Ipv4.Format(end)} is not valid.");
            foreach (var (otherStart, otherEnd) in result)
            {
                if (start <= otherEnd && otherStart <= end)
                    throw new NeutronFault(400, "OverlappingAllocationPools",
                        $"Found overlapping allocation pools: {Ipv4.Format(start)}-{Ipv4.Format(end)} and {Ipv4.Format(otherStart)}-{Ipv4.Format(otherEnd)} for subnet {layout.Cidr}.");
            }
            result.Add((start, end));
        }
        result.Sort();
        return result;
    }
}
