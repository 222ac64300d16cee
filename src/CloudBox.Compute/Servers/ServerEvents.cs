using CloudBox.Core.Events;

namespace CloudBox.Compute.Servers;

/// <summary>A server as the event stream carries it (Ceilometer's instance attributes).</summary>
internal static class ServerEvents
{
    public static CloudResourceEvent Of(ResourceChange change, ServerRecord server) => new(change, "server", server.Id, server.ProjectId, server.UserId,
        new Dictionary<string, string?>
        {
            ["display_name"] = server.Name,
            ["flavor_id"] = server.FlavorId,
            ["image_ref"] = server.ImageId,
            ["host"] = server.Host,
            ["vcpus"] = server.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory_mb"] = server.Ram.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
}
