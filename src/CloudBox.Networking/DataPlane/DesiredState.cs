using System.Text.Json.Nodes;
using CloudBox.Networking.Data;

namespace CloudBox.Networking.DataPlane;

/// <summary>Everything the kernel must reflect, read from the database in one pass.</summary>
public sealed class DesiredState
{
    public required List<JsonObject> Networks { get; init; }
    public required Dictionary<string, JsonObject> Subnets { get; init; }
    public required List<JsonObject> Ports { get; init; }
    public required List<JsonObject> Routers { get; init; }
    public required List<JsonObject> FloatingIps { get; init; }
    public required Dictionary<string, JsonObject> SecurityGroups { get; init; }
    public required ILookup<string, JsonObject> RulesByGroup { get; init; }

    public static async Task<DesiredState> LoadAsync(ResourceStore store, CancellationToken cancellationToken)
    {
        var rules = await store.ListAsync(ResourceType.SecurityGroupRule, null, cancellationToken);
        return new DesiredState
        {
            Networks = await store.ListAsync(ResourceType.Network, null, cancellationToken),
            Subnets = (await store.ListAsync(ResourceType.Subnet, null, cancellationToken)).ToDictionary(s => s["id"]!.GetValue<string>()),
            Ports = await store.ListAsync(ResourceType.Port, null, cancellationToken),
            Routers = await store.ListAsync(ResourceType.Router, null, cancellationToken),
            FloatingIps = await store.ListAsync(ResourceType.FloatingIp, null, cancellationToken),
            SecurityGroups = (await store.ListAsync(ResourceType.SecurityGroup, null, cancellationToken)).ToDictionary(g => g["id"]!.GetValue<string>()),
            RulesByGroup = rules.ToLookup(r => r["security_group_id"]!.GetValue<string>()),
        };
    }

    /// <summary>Ports a VM (or anything not the cloud's own) plugs into: they get a tap.</summary>
    public IEnumerable<JsonObject> InstancePorts() =>
        Ports.Where(p => !(p["device_owner"]?.GetValue<string>() ?? "").StartsWith("network:", StringComparison.Ordinal));

    /// <summary>
    /// A router's ports of one kind. A port counts only when it belongs to the router's project (or,
    /// for a gateway, to no project, as the router code creates it): naming a router as device is not
    /// enough to plug a port into someone else's router.
    /// </summary>
    public IEnumerable<JsonObject> PortsOf(string routerId, string owner)
    {
        var router = Routers.FirstOrDefault(r => r["id"]?.GetValue<string>() == routerId);
        var routerProject = router?["project_id"]?.GetValue<string>();
        return Ports.Where(p => p["device_id"]?.GetValue<string>() == routerId && p["device_owner"]?.GetValue<string>() == owner
            && (p["project_id"]?.GetValue<string>() ?? "") is var project && (project == routerProject || project.Length == 0));
    }
}
