using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Data;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// What internet gateways and route tables share, mapped onto Neutron as ec2-api mapped them: an
/// attached gateway is the VPC router's external gateway (so a VPC's 0.0.0.0/0 leaves through it);
/// other routes become host routes of the subnets that follow the table (next hop: the subnet's
/// gateway for an internet gateway, the interface's address for an instance or interface).
/// </summary>
internal static class VpcRouting
{
    public const string Everywhere = "0.0.0.0/0";

    /// <summary>The VPC an EC2 id names, in the caller's project; EC2's NotFound otherwise.</summary>
    public static async Task<VpcStore.VpcRow> VpcAsync(Ec2Context context, string vpcId)
    {
        var routerId = await context.Ids.OsIdAsync(Ec2Kind.Vpc, vpcId, context.Aborted);
        if (await context.Services.Vpcs.FindAsync(routerId, context.Aborted) is not { } vpc || vpc.ProjectId != context.ProjectId)
            throw Ec2Error.NotFound(Ec2Kind.Vpc.NotFoundCode, vpcId);
        return vpc;
    }

    public static async Task<RouteTableStore.TableRow> RouteTableAsync(Ec2Context context, string routeTableId)
    {
        var id = await context.Ids.OsIdAsync(Ec2Kind.RouteTable, routeTableId, context.Aborted);
        if (await context.Services.RouteTables.FindAsync(id, context.Aborted) is not { } table || table.ProjectId != context.ProjectId)
            throw Ec2Error.NotFound(Ec2Kind.RouteTable.NotFoundCode, routeTableId);
        return table;
    }

    public static async Task<GatewayStore.GatewayRow> GatewayAsync(Ec2Context context, string gatewayId)
    {
        var id = await context.Ids.OsIdAsync(Ec2Kind.InternetGateway, gatewayId, context.Aborted);
        if (await context.Services.Gateways.FindAsync(id, context.Aborted) is not { } gateway || gateway.ProjectId != context.ProjectId)
            throw Ec2Error.NotFound(Ec2Kind.InternetGateway.NotFoundCode, gatewayId);
        return gateway;
    }

    /// <summary>
    /// The VPC's main route table, made the first time it is needed. A default VPC's router has had the
    /// external gateway since it was made; the first time its main table is made, that gateway also
    /// becomes an attached internet gateway with the main table's 0.0.0.0/0 route, as ec2-api made them.
    /// </summary>
    public static async Task<RouteTableStore.TableRow> EnsureMainAsync(Ec2Context context, VpcStore.VpcRow vpc)
    {
        var tables = context.Services.RouteTables;
        if (await tables.MainOfAsync(vpc.RouterId, context.Aborted) is { } main)
            return main;
        var id = Guid.NewGuid().ToString();
        if (await tables.AddAsync(id, vpc.ProjectId, vpc.RouterId, isMain: true, context.Aborted)
            && vpc.IsDefault && await context.Services.Gateways.AttachedToAsync(vpc.RouterId, context.Aborted) is null
            && await RouterGatewayAsync(context, vpc.RouterId) is not null)
        {
            var gateway = Guid.NewGuid().ToString();
            await context.Services.Gateways.AddAsync(gateway, vpc.ProjectId, vpc.RouterId, context.Aborted);
            await tables.SetRouteAsync(id, Everywhere, gateway, null, context.Aborted);
        }
        return await tables.MainOfAsync(vpc.RouterId, context.Aborted) ?? throw new Ec2Error(503, "Unavailable", "The VPC's main route table could not be made.");
    }

    /// <summary>The project's default VPC (made on first use) and every VPC's main table.</summary>
    public static async Task<List<VpcStore.VpcRow>> EnsureAllAsync(Ec2Context context)
    {
        await VpcActions.DefaultAsync(context);
        var vpcs = await context.Services.Vpcs.ListAsync(context.ProjectId, context.Aborted);
        foreach (var vpc in vpcs)
            await EnsureMainAsync(context, vpc);
        return vpcs;
    }

    /// <summary>The network id of the router's external gateway, or null.</summary>
    public static async Task<string?> RouterGatewayAsync(Ec2Context context, string routerId)
    {
        try
        {
            var body = await context.Os.GetAsync($"{OsClient.Neutron}/routers/{routerId}", context.Aborted);
            return body["router"]?["external_gateway_info"].Str("network_id");
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Sets (<paramref name="networkId"/>) or clears (null) the router's external gateway.</summary>
    public static async Task SetRouterGatewayAsync(Ec2Context context, string routerId, string? networkId)
    {
        var gateway = networkId is null ? null : new JsonObject { ["network_id"] = networkId };
        await context.Os.PutAsync($"{OsClient.Neutron}/routers/{routerId}",
            new JsonObject { ["router"] = new JsonObject { ["external_gateway_info"] = gateway } }, context.Aborted);
    }

    /// <summary>
    /// Writes the host routes of every subnet of the VPC from the route table it follows (its association,
    /// else the main table). 0.0.0.0/0 to the attached gateway is the router's own default route and needs none;
    /// a route whose target is gone or detached is a blackhole and is left out.
    /// </summary>
    public static async Task SyncSubnetRoutesAsync(Ec2Context context, VpcStore.VpcRow vpc)
    {
        var store = context.Services.RouteTables;
        var main = await EnsureMainAsync(context, vpc);
        var tables = await store.OfRouterAsync(vpc.RouterId, context.Aborted);
        var tableIds = tables.Select(t => t.Id).ToList();
        var routes = await store.RoutesAsync(tableIds, context.Aborted);
        var associations = (await store.AssociationsAsync(tableIds, context.Aborted)).ToDictionary(a => a.SubnetId, a => a.RouteTableId, StringComparer.Ordinal);
        var attached = await context.Services.Gateways.AttachedToAsync(vpc.RouterId, context.Aborted);
        var portAddresses = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var subnetId in await VpcActions.SubnetsOfRouterAsync(context, vpc.RouterId))
        {
            JsonNode subnet;
            try
            {
                subnet = (await context.Os.GetAsync($"{OsClient.Neutron}/subnets/{subnetId}", context.Aborted))["subnet"]!;
            }
            catch (OsFault fault) when (fault.Status == 404)
            {
                continue;
            }
            var gatewayIp = subnet.Str("gateway_ip");
            var wanted = new List<(string Destination, string NextHop)>();
            foreach (var route in routes.GetValueOrDefault(associations.GetValueOrDefault(subnetId) ?? main.Id) ?? [])
            {
                if (route.GatewayId is not null)
                {
                    if (attached?.Id == route.GatewayId && route.Destination != Everywhere && gatewayIp is not null)
                        wanted.Add((route.Destination, gatewayIp));
                }
                else if (route.PortId is { } portId)
                {
                    if (!portAddresses.TryGetValue(portId, out var address))
                        portAddresses[portId] = address = await PortAddressAsync(context, portId);
                    if (address is not null)
                        wanted.Add((route.Destination, address));
                }
            }
            var current = subnet.Items("host_routes").Select(r => (r.Str("destination") ?? "", r.Str("nexthop") ?? "")).ToList();
            if (current.Count == wanted.Count && current.ToHashSet().SetEquals(wanted))
                continue;
            var hostRoutes = new JsonArray();
            foreach (var (destination, nextHop) in wanted)
                hostRoutes.Add(new JsonObject { ["destination"] = destination, ["nexthop"] = nextHop });
            await context.Os.PutAsync($"{OsClient.Neutron}/subnets/{subnetId}",
                new JsonObject { ["subnet"] = new JsonObject { ["host_routes"] = hostRoutes } }, context.Aborted);
        }
    }

    /// <summary>The first IPv4 address of a port, or null when the port is gone.</summary>
    public static async Task<string?> PortAddressAsync(Ec2Context context, string portId)
    {
        try
        {
            var port = (await context.Os.GetAsync($"{OsClient.Neutron}/ports/{portId}", context.Aborted))["port"];
            return port.Items("fixed_ips").Select(ip => ip.Str("ip_address")).FirstOrDefault(ip => ip?.Contains('.') == true);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The association id of a subnet's association (<c>rtbassoc-</c> + the subnet id's digits) or of a VPC's main one.</summary>
    public static string AssociationId(string ec2Id) => "rtbassoc-" + ec2Id[(ec2Id.IndexOf('-') + 1)..];

    /// <summary>What an association id names: a subnet (its Neutron id) or a VPC's main association (its router id).</summary>
    public static async Task<(string? SubnetId, string? RouterId)> ResolveAssociationAsync(Ec2Context context, string associationId)
    {
        const string prefix = "rtbassoc-";
        if (!associationId.StartsWith(prefix, StringComparison.Ordinal))
            throw new Ec2Error(400, "InvalidAssociationID.Malformed", $"Invalid id: \"{associationId}\"");
        var digits = associationId[prefix.Length..];
        var subnetEc2Id = "subnet-" + digits;
        var vpcEc2Id = "vpc-" + digits;
        if (!Ec2Kind.Subnet.IsWellFormed(subnetEc2Id))
            throw new Ec2Error(400, "InvalidAssociationID.Malformed", $"Invalid id: \"{associationId}\"");
        try
        {
            return (await context.Ids.OsIdAsync(Ec2Kind.Subnet, subnetEc2Id, context.Aborted), null);
        }
        catch (Ec2Error)
        {
        }
        try
        {
            return (null, await context.Ids.OsIdAsync(Ec2Kind.Vpc, vpcEc2Id, context.Aborted));
        }
        catch (Ec2Error)
        {
            throw new Ec2Error(400, "InvalidAssociationID.NotFound", $"The association ID '{associationId}' does not exist");
        }
    }
}
