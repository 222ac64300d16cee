using System.Text.Json.Nodes;
using CloudBox.Core.Events;
using CloudBox.Networking.Data;

namespace CloudBox.Networking;

/// <summary>
/// Networking's floating IPs, routers and ports bound to servers as they are now, in the events'
/// form (<see cref="NetworkEvents"/>), for a subscriber that starts after they were made.
/// </summary>
internal sealed class NetworkInventory(ResourceStore store) : ICloudResourceInventory
{
    public IReadOnlyList<string> ResourceTypes { get; } = ["floatingip", "router", "port"];

    public async Task<IReadOnlyList<CloudResourceEvent>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        var result = new List<CloudResourceEvent>();
        await using var connection = await store.Database.OpenAsync(cancellationToken);
        foreach (var body in await store.ListBodiesAsync(connection, ResourceType.FloatingIp, null, limit, cancellationToken))
            result.Add(NetworkEvents.FloatingIpEvent(ResourceChange.Created, JsonNode.Parse(body)!.AsObject(), null));
        foreach (var body in await store.ListBodiesAsync(connection, ResourceType.Router, null, limit - result.Count, cancellationToken))
            result.Add(NetworkEvents.RouterEvent(ResourceChange.Created, JsonNode.Parse(body)!.AsObject(), null));
        // Bodies are compact JSON: only instance ports are parsed.
        foreach (var body in await store.ListBodiesAsync(connection, ResourceType.Port, "%\"device_owner\":\"compute:%", limit - result.Count, cancellationToken))
        {
            if (NetworkEvents.PortEvent(ResourceChange.Created, JsonNode.Parse(body)!.AsObject(), null) is { } port)
                result.Add(port);
        }
        return result;
    }
}
