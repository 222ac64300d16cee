using System.Net;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Data;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// Route tables as ec2-api kept them (rows of the module's own; see <see cref="VpcRouting"/> for what
/// reaches Neutron): each VPC has a main table with the implicit local route; CreateRoute/ReplaceRoute/
/// DeleteRoute to an internet gateway, an instance or a network interface; subnet associations.
/// </summary>
internal static class RouteTableActions
{
    public static async Task<byte[]> CreateAsync(Ec2Context context)
    {
        var vpc = await VpcRouting.VpcAsync(context, context.Request.Require("VpcId"));
        await VpcRouting.EnsureMainAsync(context, vpc);
        var id = Guid.NewGuid().ToString();
        await context.Services.RouteTables.AddAsync(id, context.ProjectId, vpc.RouterId, isMain: false, context.Aborted);
        var routeTableId = await context.Ids.Ec2IdAsync(Ec2Kind.RouteTable, id, context.Aborted);
        await VpcActions.ApplyTagSpecificationsAsync(context, "route-table", [routeTableId]);
        var view = await RouteTableView.LoadAsync(context, [vpc]);
        using var xml = context.Response();
        xml.Start("routeTable");
        view.Write(xml, view.Tables.Single(t => t.Id == id));
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> DeleteAsync(Ec2Context context)
    {
        var routeTableId = context.Request.Require("RouteTableId");
        var table = await VpcRouting.RouteTableAsync(context, routeTableId);
        if (table.IsMain || !await context.Services.RouteTables.RemoveAsync(table.Id, evenMain: false, context.Aborted))
            throw new Ec2Error(400, "DependencyViolation", $"The routeTable '{routeTableId}' has dependencies and cannot be deleted.");
        await context.Ids.ForgetAsync(Ec2Kind.RouteTable, table.Id, context.Aborted);
        await context.Tags.DeleteAsync(context.ProjectId, [routeTableId], [], context.Aborted);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DescribeAsync(Ec2Context context)
    {
        var ids = context.Request.List("RouteTableId");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "route-table-id", "vpc-id", "owner-id", "association.route-table-association-id", "association.route-table-id",
            "association.subnet-id", "association.main", "route.destination-cidr-block", "route.gateway-id", "route.instance-id",
            "route.network-interface-id", "route.origin", "route.state");
        foreach (var id in ids)
            Ec2Kind.RouteTable.RequireWellFormed(id);
        var vpcs = await VpcRouting.EnsureAllAsync(context);
        var view = await RouteTableView.LoadAsync(context, vpcs);
        Ec2Kind.RouteTable.RequireKnown(ids, view.TableIds);
        using var xml = context.Response();
        xml.Start("routeTableSet");
        foreach (var table in view.Tables)
        {
            var routeTableId = view.TableIds[table.Id];
            if (ids.Count > 0 && !ids.Contains(routeTableId))
                continue;
            if (!TagFilters.Passes(filters, view.Tags.GetValueOrDefault(routeTableId), name => view.Field(table, name, context.ProjectId)))
                continue;
            xml.Start("item");
            view.Write(xml, table);
            xml.End();
        }
        xml.End();
        return xml.ToBytes();
    }

    public static Task<byte[]> CreateRouteAsync(Ec2Context context) => SetRouteAsync(context, replace: false);

    public static Task<byte[]> ReplaceRouteAsync(Ec2Context context) => SetRouteAsync(context, replace: true);

    private static async Task<byte[]> SetRouteAsync(Ec2Context context, bool replace)
    {
        var request = context.Request;
        var routeTableId = request.Require("RouteTableId");
        var destination = request.Get("DestinationCidrBlock") ?? (request.Get("DestinationIpv6CidrBlock") is not null
            ? throw new Ec2Error(400, "InvalidParameterValue", "IPv6 routes are not supported by this cloud.")
            : throw Ec2Error.MissingParameter("DestinationCidrBlock"));
        destination = Normalize(VpcActions.Cidr(destination, 0, 32));
        var table = await VpcRouting.RouteTableAsync(context, routeTableId);
        var vpc = await context.Services.Vpcs.FindAsync(table.RouterId, context.Aborted) ?? throw Ec2Error.NotFound(Ec2Kind.RouteTable.NotFoundCode, routeTableId);
        if (Within(destination, vpc.Cidr))
            throw Ec2Error.InvalidParameterValue(
                $"Cannot create a more specific route for {destination} than local route {vpc.Cidr} in route table {routeTableId}");
        var targets = new[] { "GatewayId", "NetworkInterfaceId", "InstanceId", "VpcPeeringConnectionId", "NatGatewayId" }.Where(t => request.Get(t) is not null).ToList();
        if (targets.Count == 0)
            throw new Ec2Error(400, "MissingParameter", "The request must contain exactly one of gatewayId, networkInterfaceId or instanceId");
        if (targets.Count > 1)
            throw Ec2Error.InvalidParameterCombination("The request must contain exactly one of gatewayId, networkInterfaceId or instanceId");
        string? gatewayId = null, portId = null;
        switch (targets[0])
        {
            case "GatewayId":
                var gatewayEc2Id = request.Get("GatewayId")!;
                var gateway = await VpcRouting.GatewayAsync(context, gatewayEc2Id);
                if (gateway.RouterId != vpc.RouterId)
                    throw Ec2Error.InvalidParameterValue($"Route table {routeTableId} and network gateway {gatewayEc2Id} belong to different networks");
                gatewayId = gateway.Id;
                break;
            case "NetworkInterfaceId":
                var eni = request.Get("NetworkInterfaceId")!;
                portId = await context.Ids.OsIdAsync(Ec2Kind.NetworkInterface, eni, context.Aborted);
                await CheckPortInVpcAsync(context, portId, eni, vpc, routeTableId);
                break;
            case "InstanceId":
                var instanceId = request.Get("InstanceId")!;
                var serverId = await context.Ids.OsIdAsync(Ec2Kind.Instance, instanceId, context.Aborted);
                var ports = (await context.Os.GetAsync($"{OsClient.Neutron}/ports?device_id={serverId}", Ec2JsonContext.Default.NeutronPortList, context.Aborted)).Ports ?? [];
                if (ports.Count == 0)
                    throw Ec2Error.InvalidParameterValue($"Invalid value '{instanceId}' for instance ID. Instance is not in a VPC.");
                if (ports.Count > 1)
                    throw new Ec2Error(400, "InvalidInstanceID", $"There are multiple interfaces attached to instance '{instanceId}'. Please specify an interface ID for the operation instead.");
                portId = ports[0].Id;
                await CheckPortInVpcAsync(context, portId, await context.Ids.Ec2IdAsync(Ec2Kind.NetworkInterface, portId, context.Aborted), vpc, routeTableId);
                break;
            default:
                throw new Ec2Error(400, "InvalidRequest", $"Parameter {targets[0]} is not supported by this implementation");
        }
        var routes = (await context.Services.RouteTables.RoutesAsync([table.Id], context.Aborted)).GetValueOrDefault(table.Id) ?? [];
        var existing = routes.FirstOrDefault(r => r.Destination == destination);
        if (replace && existing is null)
            throw Ec2Error.InvalidParameterValue($"There is no route defined for '{destination}' in the route table. Use CreateRoute instead.");
        if (!replace && existing is not null)
        {
            if (existing.GatewayId == gatewayId && existing.PortId == portId)
                return VpcActions.True(context); // the same route again changes nothing, as in ec2-api
            throw new Ec2Error(400, "RouteAlreadyExists", $"The route identified by {destination} already exists.");
        }
        if (!await context.Services.RouteTables.SetRouteAsync(table.Id, destination, gatewayId, portId, context.Aborted))
            throw new Ec2Error(400, "RouteLimitExceeded", $"The maximum number of routes ({RouteTableStore.MaxRoutesPerTable}) in route table {routeTableId} has been reached.");
        await VpcRouting.SyncSubnetRoutesAsync(context, vpc);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DeleteRouteAsync(Ec2Context context)
    {
        var routeTableId = context.Request.Require("RouteTableId");
        var destination = Normalize(VpcActions.Cidr(context.Request.Require("DestinationCidrBlock"), 0, 32));
        var table = await VpcRouting.RouteTableAsync(context, routeTableId);
        var vpc = await context.Services.Vpcs.FindAsync(table.RouterId, context.Aborted) ?? throw Ec2Error.NotFound(Ec2Kind.RouteTable.NotFoundCode, routeTableId);
        if (destination == Normalize(vpc.Cidr))
            throw Ec2Error.InvalidParameterValue($"cannot remove local route {destination} in route table {routeTableId}");
        if (!await context.Services.RouteTables.RemoveRouteAsync(table.Id, destination, context.Aborted))
            throw new Ec2Error(400, "InvalidRoute.NotFound", $"no route with destination-cidr-block {destination} in route table {routeTableId}");
        await VpcRouting.SyncSubnetRoutesAsync(context, vpc);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> AssociateAsync(Ec2Context context)
    {
        var routeTableId = context.Request.Require("RouteTableId");
        var subnetEc2Id = context.Request.Require("SubnetId");
        var table = await VpcRouting.RouteTableAsync(context, routeTableId);
        var subnetId = await context.Ids.OsIdAsync(Ec2Kind.Subnet, subnetEc2Id, context.Aborted);
        var vpc = await context.Services.Vpcs.FindAsync(table.RouterId, context.Aborted) ?? throw Ec2Error.NotFound(Ec2Kind.RouteTable.NotFoundCode, routeTableId);
        if (!(await VpcActions.SubnetsOfRouterAsync(context, vpc.RouterId)).Contains(subnetId))
        {
            // The subnet must be one the caller sees (else NotFound), and in the table's VPC.
            try
            {
                await context.Os.GetAsync($"{OsClient.Neutron}/subnets/{subnetId}", context.Aborted);
            }
            catch (OsFault fault) when (fault.Status is 403 or 404)
            {
                throw Ec2Error.NotFound(Ec2Kind.Subnet.NotFoundCode, subnetEc2Id);
            }
            throw Ec2Error.InvalidParameterValue($"Route table {routeTableId} and subnet {subnetEc2Id} belong to different networks");
        }
        if (!await context.Services.RouteTables.AssociateAsync(subnetId, table.Id, context.Aborted))
            throw new Ec2Error(400, "Resource.AlreadyAssociated", $"The specified association for route table {routeTableId} conflicts with an existing association");
        await VpcRouting.SyncSubnetRoutesAsync(context, vpc);
        using var xml = context.Response();
        xml.Element("associationId", VpcRouting.AssociationId(subnetEc2Id))
            .Start("associationState").Element("state", "associated").End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> ReplaceAssociationAsync(Ec2Context context)
    {
        var associationId = context.Request.Require("AssociationId");
        var routeTableId = context.Request.Require("RouteTableId");
        var table = await VpcRouting.RouteTableAsync(context, routeTableId);
        var vpc = await context.Services.Vpcs.FindAsync(table.RouterId, context.Aborted) ?? throw Ec2Error.NotFound(Ec2Kind.RouteTable.NotFoundCode, routeTableId);
        var (subnetId, routerId) = await VpcRouting.ResolveAssociationAsync(context, associationId);
        if (routerId is not null)
        {
            // The VPC's main association: the table becomes the VPC's main table.
            if (routerId != table.RouterId)
                throw Ec2Error.InvalidParameterValue($"Route table association {associationId} and route table {routeTableId} belong to different networks");
            await context.Services.RouteTables.MakeMainAsync(routerId, table.Id, context.Aborted);
        }
        else
        {
            if (await context.Services.RouteTables.AssociationOfAsync(subnetId!, context.Aborted) is null)
                throw new Ec2Error(400, "InvalidAssociationID.NotFound", $"The association ID '{associationId}' does not exist");
            if (!(await VpcActions.SubnetsOfRouterAsync(context, table.RouterId)).Contains(subnetId!))
                throw Ec2Error.InvalidParameterValue($"Route table association {associationId} and route table {routeTableId} belong to different networks");
            await context.Services.RouteTables.ReassociateAsync(subnetId!, table.Id, context.Aborted);
        }
        await VpcRouting.SyncSubnetRoutesAsync(context, vpc);
        using var xml = context.Response();
        xml.Element("newAssociationId", associationId).Start("associationState").Element("state", "associated").End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> DisassociateAsync(Ec2Context context)
    {
        var associationId = context.Request.Require("AssociationId");
        var (subnetId, routerId) = await VpcRouting.ResolveAssociationAsync(context, associationId);
        if (routerId is not null)
        {
            if (await context.Services.Vpcs.FindAsync(routerId, context.Aborted) is not { } owner || owner.ProjectId != context.ProjectId)
                throw new Ec2Error(400, "InvalidAssociationID.NotFound", $"The association ID '{associationId}' does not exist");
            throw Ec2Error.InvalidParameterValue($"Cannot disassociate the main route table association {associationId}");
        }
        var tableId = await context.Services.RouteTables.AssociationOfAsync(subnetId!, context.Aborted);
        if (tableId is null || await context.Services.RouteTables.FindAsync(tableId, context.Aborted) is not { } table || table.ProjectId != context.ProjectId)
            throw new Ec2Error(400, "InvalidAssociationID.NotFound", $"The association ID '{associationId}' does not exist");
        await context.Services.RouteTables.DisassociateAsync(subnetId!, context.Aborted);
        if (await context.Services.Vpcs.FindAsync(table.RouterId, context.Aborted) is { } vpc)
            await VpcRouting.SyncSubnetRoutesAsync(context, vpc);
        return VpcActions.True(context);
    }

    private static async Task CheckPortInVpcAsync(Ec2Context context, string portId, string eni, VpcStore.VpcRow vpc, string routeTableId)
    {
        System.Text.Json.Nodes.JsonNode? port;
        try
        {
            port = (await context.Os.GetAsync($"{OsClient.Neutron}/ports/{portId}", context.Aborted))["port"];
        }
        catch (OsFault fault) when (fault.Status is 403 or 404)
        {
            throw Ec2Error.NotFound(Ec2Kind.NetworkInterface.NotFoundCode, eni);
        }
        var subnets = await VpcActions.SubnetsOfRouterAsync(context, vpc.RouterId);
        if (!port.Items("fixed_ips").Any(ip => ip.Str("subnet_id") is { } subnet && subnets.Contains(subnet)))
            throw Ec2Error.InvalidParameterValue($"Route table {routeTableId} and interface {eni} belong to different networks");
    }

    /// <summary>A CIDR with its host bits cleared (<c>10.1.2.3/8</c> → <c>10.0.0.0/8</c>), so one destination has one spelling.</summary>
    public static string Normalize(string cidr)
    {
        var slash = cidr.IndexOf('/');
        var prefix = int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var bytes = IPAddress.Parse(cidr[..slash]).GetAddressBytes();
        var value = (uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3];
        value = prefix == 0 ? 0 : value & (uint.MaxValue << (32 - prefix));
        return $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}/{prefix}";
    }

    /// <summary>True when <paramref name="inner"/> lies within <paramref name="outer"/>.</summary>
    public static bool Within(string inner, string outer)
    {
        var (innerNet, innerPrefix) = Parse(Normalize(inner));
        var (outerNet, outerPrefix) = Parse(Normalize(outer));
        return innerPrefix >= outerPrefix && (outerPrefix == 0 || (innerNet & (uint.MaxValue << (32 - outerPrefix))) == outerNet);

        static (uint Network, int Prefix) Parse(string cidr)
        {
            var slash = cidr.IndexOf('/');
            var bytes = IPAddress.Parse(cidr[..slash]).GetAddressBytes();
            return ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3],
                int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
