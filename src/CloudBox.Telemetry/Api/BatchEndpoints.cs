using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Api;

/// <summary>
/// <c>/v1/batch/metrics/measures</c> (<c>{metric_id: [measures]}</c>) and
/// <c>/v1/batch/resources/metrics/measures</c> (<c>{resource_id: {metric_name: [measures] | {archive_policy_name, unit, measures}}}</c>,
/// creating missing metrics with <c>create_metrics=true</c>): all or nothing, acknowledged once queued.
/// </summary>
internal static class BatchEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/batch/metrics/measures", MetricsAsync);
        v1.MapPost("/batch/resources/metrics/measures", ResourcesAsync);
    }

    private static JsonElement MeasuresOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty("measures", out var measures) ? measures : value;

    private static async Task<IResult> MetricsAsync(HttpContext context, MetricStore metrics, MeasureService measures, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:post_measures");
        using var document = await MeasureInput.ReadDocumentAsync(context.Request, cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw ApiFault.BadRequest("Invalid input: expected a dictionary of metric ids");
        var now = clock.GetUtcNow();
        var batch = new Dictionary<Guid, List<MeasurePoint>>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!Guid.TryParse(property.Name, out var id))
                throw ApiFault.BadRequest($"Invalid input: {property.Name} is not a metric id");
            batch[id] = MeasureInput.ParseList(MeasuresOf(property.Value), now);
        }
        var found = await metrics.FindManyAsync([.. batch.Keys.Select(k => k.ToString())], cancellationToken);
        var visible = found.Where(m => caller.CanSee(m.ResourceProjectId, m.CreatorProjectId)).Select(m => m.Id).ToHashSet();
        var unknown = batch.Keys.Select(k => k.ToString()).Where(k => !visible.Contains(k)).Order().ToList();
        if (unknown.Count > 0)
            throw ApiFault.BadRequest($"Unknown metrics: {string.Join(", ", unknown)}");
        await measures.AddAsync(batch, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ResourcesAsync(HttpContext context, ResourceService resources, MetricStore metrics, MeasureService measures, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:post_measures");
        var createMetrics = context.Request.QueryBool("create_metrics") == true;
        using var document = await MeasureInput.ReadDocumentAsync(context.Request, cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw ApiFault.BadRequest("Invalid input: expected a dictionary of resource ids");
        var now = clock.GetUtcNow();
        var batch = new Dictionary<Guid, List<MeasurePoint>>();
        var unknownResources = new List<string>();
        var unknownMetrics = new List<string>();
        foreach (var resourceEntry in document.RootElement.EnumerateObject())
        {
            if (resourceEntry.Value.ValueKind != JsonValueKind.Object)
                throw ApiFault.BadRequest($"Invalid input: expected a dictionary of metric names for resource {resourceEntry.Name}");
            var resource = await resources.FindAsync("generic", resourceEntry.Name, caller.Creator(), cancellationToken);
            if (resource is null || !caller.CanSee(resource.ProjectId, resource.CreatorProjectId))
            {
                unknownResources.Add(resourceEntry.Name);
                continue;
            }
            var existing = (await metrics.ListForResourcesAsync([resource.Id], cancellationToken)).Where(m => m.Name is not null).ToDictionary(m => m.Name!);
            foreach (var metricEntry in resourceEntry.Value.EnumerateObject())
            {
                var points = MeasureInput.ParseList(MeasuresOf(metricEntry.Value), now);
                if (!existing.TryGetValue(metricEntry.Name, out var metric))
                {
                    if (!createMetrics)
                    {
                        unknownMetrics.Add($"{resource.Id}/{metricEntry.Name}");
                        continue;
                    }
                    metric = await CreateMetricAsync(resources, metrics, resource, metricEntry, caller, cancellationToken);
                    existing[metricEntry.Name] = metric;
                }
                var id = Guid.Parse(metric.Id);
                if (batch.TryGetValue(id, out var list))
                    list.AddRange(points);
                else
                    batch[id] = points;
            }
        }
        if (unknownResources.Count > 0)
            throw ApiFault.BadRequest($"Unknown resources: {string.Join(", ", unknownResources)}");
        if (unknownMetrics.Count > 0)
            throw ApiFault.BadRequest($"Unknown metrics: {string.Join(", ", unknownMetrics)}");
        await measures.AddAsync(batch, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<MetricRecord> CreateMetricAsync(ResourceService resources, MetricStore metrics, ResourceRecord resource, JsonProperty entry, CallerContext caller, CancellationToken cancellationToken)
    {
        string? policyName = null;
        string? unit = null;
        if (entry.Value.ValueKind == JsonValueKind.Object)
        {
            if (entry.Value.TryGetProperty("archive_policy_name", out var p) && p.ValueKind == JsonValueKind.String)
                policyName = p.GetString();
            if (entry.Value.TryGetProperty("unit", out var u) && u.ValueKind == JsonValueKind.String)
                unit = u.GetString();
        }
        var metric = new MetricRecord
        {
            Id = Guid.NewGuid().ToString(),
            Name = entry.Name,
            Unit = unit,
            ArchivePolicyName = await resources.PolicyForAsync(policyName, entry.Name, cancellationToken),
            ResourceId = resource.Id,
            Creator = caller.Creator(),
            CreatorProjectId = caller.ProjectId,
            ResourceProjectId = resource.ProjectId,
        };
        if (!await metrics.InsertAsync(metric, cancellationToken))
        {
            // Created concurrently by another request: use that one.
            return await metrics.FindNamedAsync(resource.Id, entry.Name, cancellationToken) ?? throw ApiFault.Conflict($"Named metric {entry.Name} already exists");
        }
        return metric;
    }
}
