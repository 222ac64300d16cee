using System.Text.Json.Nodes;
using CloudBox.Core.Events;
using CloudBox.Networking.Api;

namespace CloudBox.Networking;

/// <summary>
/// Floating IPs and routers on the Core event stream (Telemetry meters their existence), published
/// once a change has committed: a rolled-back create never becomes an event.
/// </summary>
internal sealed class NetworkEvents(ICloudEvents events)
{
    public void FloatingIp(ResourceChange change, JsonObject floating, string? userId) =>
        events.Publish(new CloudResourceEvent(change, "floatingip", NeutronRequest.Id(floating), NeutronRequest.ProjectOf(floating), userId,
            new Dictionary<string, string?>
            {
                ["floating_ip_address"] = floating["floating_ip_address"]?.GetValue<string>(),
                ["floating_network_id"] = floating["floating_network_id"]?.GetValue<string>(),
            }));

    public void Router(ResourceChange change, JsonObject router, string? userId) =>
        events.Publish(new CloudResourceEvent(change, "router", NeutronRequest.Id(router), NeutronRequest.ProjectOf(router), userId,
            new Dictionary<string, string?> { ["name"] = router["name"]?.GetValue<string>() }));
}
