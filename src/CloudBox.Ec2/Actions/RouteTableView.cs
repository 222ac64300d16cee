using CloudBox.Ec2.Api;
using CloudBox.Ec2.Data;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>The route tables of some VPCs with their routes, associations, EC2 ids and tags, read once, and how EC2 shows them.</summary>
internal sealed class RouteTableView
{
    public List<RouteTableStore.TableRow> Tables { get; private init; } = [];
    public Dictionary<string, string> TableIds { get; private init; } = [];
    public Dictionary<string, List<KeyValuePair<string, string>>> Tags { get; private set; } = [];
    private Dictionary<string, List<RouteTableStore.RouteRow>> _routes = [];
    private List<RouteTableStore.AssociationRow> _associations = [];
    private Dictionary<string, VpcStore.VpcRow> _vpcs = [];
    private Dictionary<string, string> _vpcIds = [];
    private Dictionary<string, string> _subnetIds = [];
    private Dictionary<string, string> _gatewayIds = [];
    /// <summary>Router id → the internal id of the gateway attached to it.</summary>
    private Dictionary<string, string> _attached = [];
    private Dictionary<string, string> _interfaceIds = [];
    /// <summary>Port id → (instance EC2 id or null); a port that is gone has no entry.</summary>
    private Dictionary<string, string?> _instanceOfPort = [];

    public static async Task<RouteTableView> LoadAsync(Ec2Context context, IReadOnlyList<VpcStore.VpcRow> vpcs)
    {
        var store = context.Services.RouteTables;
        var routers = vpcs.Select(v => v.RouterId).ToHashSet(StringComparer.Ordinal);
        var tables = (await store.ListAsync(context.ProjectId, context.Aborted)).Where(t => routers.Contains(t.RouterId)).ToList();
        var tableIds = tables.Select(t => t.Id).ToList();
        var routes = await store.RoutesAsync(tableIds, context.Aborted);
        var associations = await store.AssociationsAsync(tableIds, context.Aborted);
        var gateways = await context.Services.Gateways.ListAsync(context.ProjectId, context.Aborted);
        var portIds = routes.Values.SelectMany(r => r).Select(r => r.PortId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var instanceOfPort = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (portIds.Count > 0)
        {
            var ports = (await context.Os.GetAsync($"{OsClient.Neutron}/ports?project_id={context.ProjectId}", Ec2JsonContext.Default.NeutronPortList, context.Aborted)).Ports ?? [];
            var devices = ports.Where(p => portIds.Contains(p.Id)).ToList();
            var instanceIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Instance,
                devices.Where(p => (p.DeviceOwner ?? "").StartsWith("compute:", StringComparison.Ordinal) && p.DeviceId is { Length: > 0 }).Select(p => p.DeviceId!).ToHashSet(), context.Aborted);
            foreach (var port in devices)
                instanceOfPort[port.Id] = port.DeviceId is { } device ? instanceIds.GetValueOrDefault(device) : null;
        }
        var view = new RouteTableView
        {
            Tables = tables,
            TableIds = await context.Ids.Ec2IdsAsync(Ec2Kind.RouteTable, tableIds, context.Aborted),
            _routes = routes,
            _associations = associations,
            _vpcs = vpcs.ToDictionary(v => v.RouterId, StringComparer.Ordinal),
            _vpcIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Vpc, routers, context.Aborted),
            _subnetIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Subnet, associations.Select(a => a.SubnetId).ToHashSet(), context.Aborted),
            _gatewayIds = await context.Ids.Ec2IdsAsync(Ec2Kind.InternetGateway,
                routes.Values.SelectMany(r => r).Select(r => r.GatewayId).OfType<string>().ToHashSet(), context.Aborted),
            _attached = gateways.Where(g => g.RouterId is not null).ToDictionary(g => g.RouterId!, g => g.Id, StringComparer.Ordinal),
            _interfaceIds = await context.Ids.Ec2IdsAsync(Ec2Kind.NetworkInterface, portIds, context.Aborted),
            _instanceOfPort = instanceOfPort,
        };
        view.Tags = await context.Tags.ForAsync(context.ProjectId, view.TableIds.Values, context.Aborted);
        return view;
    }

    /// <summary>A route as EC2 shows it.</summary>
    private sealed record Route(string Destination, string? GatewayId, string? InstanceId, string? InterfaceId, string State, string Origin);

    private List<Route> RoutesOf(RouteTableStore.TableRow table)
    {
        var vpc = _vpcs[table.RouterId];
        var result = new List<Route> { new(vpc.Cidr, "local", null, null, "active", "CreateRouteTable") };
        foreach (var route in _routes.GetValueOrDefault(table.Id) ?? [])
        {
            if (route.GatewayId is { } gateway)
            {
                var state = _attached.GetValueOrDefault(table.RouterId) == gateway ? "active" : "blackhole";
                result.Add(new(route.Destination, _gatewayIds.GetValueOrDefault(gateway), null, null, state, "CreateRoute"));
            }
            else if (route.PortId is { } port)
            {
                var alive = _instanceOfPort.TryGetValue(port, out var instance);
                result.Add(new(route.Destination, null, instance, _interfaceIds.GetValueOrDefault(port), alive ? "active" : "blackhole", "CreateRoute"));
            }
        }
        return result;
    }

    private List<(string AssociationId, string? SubnetId, bool Main)> AssociationsOf(RouteTableStore.TableRow table)
    {
        var result = new List<(string, string?, bool)>();
        if (table.IsMain)
            result.Add((VpcRouting.AssociationId(_vpcIds[table.RouterId]), null, true));
        foreach (var association in _associations)
        {
            if (association.RouteTableId == table.Id && _subnetIds.TryGetValue(association.SubnetId, out var subnet))
                result.Add((VpcRouting.AssociationId(subnet), subnet, false));
        }
        return result;
    }

    /// <summary>A table's values for a filter name (null for an unknown one).</summary>
    public IEnumerable<string?>? Field(RouteTableStore.TableRow table, string name, string ownerId) => name switch
    {
        "route-table-id" => [TableIds[table.Id]],
        "vpc-id" => [_vpcIds[table.RouterId]],
        "owner-id" => [ownerId],
        "association.route-table-association-id" => AssociationsOf(table).Select(a => (string?)a.AssociationId),
        "association.route-table-id" => AssociationsOf(table).Count > 0 ? [TableIds[table.Id]] : [],
        "association.subnet-id" => AssociationsOf(table).Select(a => a.SubnetId),
        "association.main" => AssociationsOf(table).Select(a => (string?)(a.Main ? "true" : "false")),
        "route.destination-cidr-block" => RoutesOf(table).Select(r => (string?)r.Destination),
        "route.gateway-id" => RoutesOf(table).Select(r => r.GatewayId),
        "route.instance-id" => RoutesOf(table).Select(r => r.InstanceId),
        "route.network-interface-id" => RoutesOf(table).Select(r => r.InterfaceId),
        "route.origin" => RoutesOf(table).Select(r => (string?)r.Origin),
        "route.state" => RoutesOf(table).Select(r => (string?)r.State),
        _ => null,
    };

    public void Write(Ec2Xml xml, RouteTableStore.TableRow table)
    {
        var routeTableId = TableIds[table.Id];
        xml.Element("routeTableId", routeTableId).Element("vpcId", _vpcIds[table.RouterId]).Element("ownerId", table.ProjectId).Start("routeSet");
        foreach (var route in RoutesOf(table))
        {
            xml.Start("item").Element("destinationCidrBlock", route.Destination).Element("gatewayId", route.GatewayId)
                .Element("instanceId", route.InstanceId).Element("instanceOwnerId", route.InstanceId is null ? null : table.ProjectId)
                .Element("networkInterfaceId", route.InterfaceId).Element("state", route.State).Element("origin", route.Origin).End();
        }
        xml.End().Start("associationSet");
        foreach (var (associationId, subnetId, main) in AssociationsOf(table))
        {
            xml.Start("item").Element("routeTableAssociationId", associationId).Element("routeTableId", routeTableId).Element("subnetId", subnetId)
                .Element("main", main).Start("associationState").Element("state", "associated").End().End();
        }
        xml.End().Empty("propagatingVgwSet").Tags(Tags.GetValueOrDefault(routeTableId));
    }
}
