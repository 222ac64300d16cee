using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Telemetry.Indexer;

namespace CloudBox.Telemetry.Api;

/// <summary>Finds a metric the caller may see, by id or by its resource and name; 404 otherwise.</summary>
internal static class MetricAccess
{
    public static ApiFault NotFound(string id) => ApiFault.NotFound($"Metric {id} does not exist");

    public static async Task<MetricRecord> VisibleAsync(MetricStore metrics, string id, CallerContext caller, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var parsed))
            throw NotFound(id);
        var metric = await metrics.FindAsync(parsed.ToString(), cancellationToken);
        if (metric is null || !caller.CanSee(metric.ResourceProjectId, metric.CreatorProjectId))
            throw NotFound(id);
        return metric;
    }

    public static async Task<ResourceRecord> VisibleResourceAsync(ResourceService resources, string type, string id, CallerContext caller, CancellationToken cancellationToken)
    {
        var resource = await resources.FindAsync(type, id, caller.Creator(), cancellationToken);
        if (resource is null || !caller.CanSee(resource.ProjectId, resource.CreatorProjectId))
            throw ResourceService.NotFound(id);
        return resource;
    }

    public static async Task<MetricRecord> NamedAsync(ResourceService resources, MetricStore metrics, string type, string resourceId, string name, CallerContext caller, CancellationToken cancellationToken)
    {
        var resource = await VisibleResourceAsync(resources, type, resourceId, caller, cancellationToken);
        return await metrics.FindNamedAsync(resource.Id, name, cancellationToken) ?? throw NotFound(name);
    }
}
