using System.Text.Json;
using CloudBox.Core.Ids;
using CloudBox.Databases.Api;
using CloudBox.Databases.Datastores;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Databases.Instances;

/// <summary>Trove's instance body for a record, with the datastore's names and the operating status from the agent's heartbeats.</summary>
internal sealed class InstanceDocuments(DatastoreStore datastores, DatabasesSettings settings, Core.Configuration.CloudBoxOptions options, TimeProvider clock,
    Configurations.ConfigurationStore configurations)
{
    public async Task<Func<InstanceRecord, InstanceDocument>> ForAsync(HttpContext context, string projectId, bool admin, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, (string Datastore, string Version)>();
        foreach (var datastore in await datastores.ListAsync(cancellationToken))
        {
            foreach (var version in await datastores.VersionsAsync(datastore.Id, cancellationToken))
                names[version.Id] = (datastore.Name, version.Name);
        }
        var region = options.RegionName;
        var attached = await configurations.AttachmentsAsync(admin ? null : projectId, cancellationToken);
        return instance => Document(context, projectId, instance, names.GetValueOrDefault(instance.VersionId, ("unknown", "unknown")), region, admin) with
        {
            Configuration = attached.TryGetValue(instance.Id, out var group)
                ? new InstanceConfigurationRef(group.Id, group.Name, TroveRoutes.Links(context, projectId, "configurations/" + group.Id))
                : null,
        };
    }

    private InstanceDocument Document(HttpContext context, string projectId, InstanceRecord instance, (string Datastore, string Version) names, string region, bool admin)
    {
        var addresses = JsonSerializer.Deserialize(instance.Addresses, TroveJson.Default.ListInstanceAddress) ?? [];
        var cidrs = JsonSerializer.Deserialize(instance.AllowedCidrs, TroveJson.Default.ListString) ?? [];
        return new InstanceDocument(
            instance.Id,
            instance.Name,
            instance.Status,
            OperatingStatus(instance),
            TroveRoutes.Links(context, projectId, "instances/" + instance.Id),
            new InstanceFlavor(instance.FlavorId, TroveRoutes.Links(context, projectId, "flavors/" + instance.FlavorId)),
            new InstanceDatastore(names.Datastore, names.Version, names.Version),
            region,
            new InstanceVolume(instance.VolumeSize, instance.VolumeType),
            addresses.Select(a => a.Address).ToList(),
            addresses,
            new InstanceAccess(instance.IsPublic, cidrs),
            instance.CreatedAt,
            instance.UpdatedAt,
            admin ? instance.ProjectId : null,
            admin ? instance.ServerId : null,
            admin ? instance.VolumeId : null,
            instance.HeartbeatAt,
            instance.Fault is null ? null : new InstanceFault(instance.Fault, instance.UpdatedAt, null));
    }

    /// <summary>HEALTHY while the agent reports a running datastore, SHUTDOWN when its heartbeats stopped, and the agent's word otherwise.</summary>
    private string OperatingStatus(InstanceRecord instance)
    {
        if (instance.HeartbeatAt is null)
            return instance.Status == InstanceStatus.Error ? "ERROR" : "NEW";
        if (Timestamps.FromStorage(instance.HeartbeatAt) + settings.HeartbeatTimeout < clock.GetUtcNow())
            return "SHUTDOWN";
        return instance.ServiceStatus switch
        {
            "running" => "HEALTHY",
            "shutdown" => "SHUTDOWN",
            "failed" => "ERROR",
            _ => "NEW",
        };
    }
}
