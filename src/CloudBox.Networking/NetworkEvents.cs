using System.Text.Json.Nodes;
using CloudBox.Core.Events;
using CloudBox.Networking.Api;
using CloudBox.Networking.Ports;

namespace CloudBox.Networking;

/// <summary>
/// Floating IPs, routers and ports' bindings to servers on the Core event stream (Telemetry meters
/// them), published once a change has committed: a rolled-back create never becomes an event.
/// </summary>
internal sealed class NetworkEvents(ICloudEvents events)
{
    public void FloatingIp(ResourceChange change, JsonObject floating, string? userId) => events.Publish(FloatingIpEvent(change, floating, userId));

    public void Router(ResourceChange change, JsonObject router, string? userId) => events.Publish(RouterEvent(change, router, userId));

    /// <summary>A port bound to a server (<see cref="ResourceChange.Created"/>) or no longer (<see cref="ResourceChange.Deleted"/>); nothing for a port no server holds.</summary>
    public void Port(ResourceChange change, JsonObject port, string? userId) => Publish(events, change, port, userId);

    public static void Publish(ICloudEvents events, ResourceChange change, JsonObject port, string? userId)
    {
        if (PortEvent(change, port, userId) is { } portEvent)
            events.Publish(portEvent);
    }

    public static CloudResourceEvent FloatingIpEvent(ResourceChange change, JsonObject floating, string? userId) =>
        new(change, "floatingip", NeutronRequest.Id(floating), NeutronRequest.ProjectOf(floating), userId,
            new Dictionary<string, string?>
            {
                ["floating_ip_address"] = floating["floating_ip_address"]?.GetValue<string>(),
                ["floating_network_id"] = floating["floating_network_id"]?.GetValue<string>(),
            });

    public static CloudResourceEvent RouterEvent(ResourceChange change, JsonObject router, string? userId) =>
        new(change, "router", NeutronRequest.Id(router), NeutronRequest.ProjectOf(router), userId,
            new Dictionary<string, string?> { ["name"] = router["name"]?.GetValue<string>() });

    /// <summary>The event of a port bound to a server (<c>device_owner</c> <c>compute:…</c> and a <c>device_id</c>), null for any other port.</summary>
    public static CloudResourceEvent? PortEvent(ResourceChange change, JsonObject port, string? userId) =>
        ServerOf(port) is { } serverId
            ? new(change, "port", NeutronRequest.Id(port), NeutronRequest.ProjectOf(port), userId,
                new Dictionary<string, string?> { ["instance_id"] = serverId, ["name"] = PortWriter.TapName(NeutronRequest.Id(port)) })
            : null;

    /// <summary>The server the port is bound to, or null.</summary>
    public static string? ServerOf(JsonObject port) =>
        port["device_owner"]?.GetValue<string>() is { } owner && owner.StartsWith("compute:", StringComparison.Ordinal)
            && port["device_id"]?.GetValue<string>() is { Length: > 0 } device
            ? device
            : null;
}
