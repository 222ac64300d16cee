using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Api;

/// <summary><c>/v1/metric</c>: metrics by id, with their measures.</summary>
internal static class MetricEndpoints
{
    public const int DefaultLimit = 1000;

    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/metric", ListAsync);
        v1.MapPost("/metric", CreateAsync);
        v1.MapGet("/metric/{id}", GetAsync);
        v1.MapDelete("/metric/{id}", DeleteAsync);
        v1.MapPost("/metric/{id}/measures", PostMeasuresAsync);
        v1.MapGet("/metric/{id}/measures", GetMeasuresAsync);
    }

    public static int Limit(HttpRequest request)
    {
        if (request.Query("limit") is not { } text)
            return DefaultLimit;
        return int.TryParse(text, out var limit) && limit > 0 ? Math.Min(limit, DefaultLimit) : throw ApiFault.BadRequest($"Invalid value for limit: {text}");
    }

    private static async Task<IResult> ListAsync(HttpContext context, MetricStore metrics, ArchivePolicyStore policies, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_metric");
        var limit = Limit(context.Request);
        var rows = await metrics.ListAsync(caller.VisibilityProject(), context.Request.Query("name"), context.Request.Query("marker"), limit, cancellationToken);
        var list = new JsonArray();
        foreach (var metric in rows)
            list.Add(GnocchiJson.Metric(metric, await policies.FindAsync(metric.ArchivePolicyName, cancellationToken)));
        if (rows.Count == limit)
            context.Response.Headers.Link = $"<{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/v1/metric?limit={limit}&marker={rows[^1].Id}>; rel=\"next\"";
        return JsonBody.Node(list);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, MetricStore metrics, ResourceService resources, ArchivePolicyStore policies, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:create_metric");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var name = body["name"]?.GetValue<string>();
        if (name is not null && name.Contains('/'))
            throw ApiFault.BadRequest("'/' is not supported in metric name");
        var unit = body["unit"]?.GetValue<string>();
        if (unit is { Length: > 31 })
            throw ApiFault.BadRequest("Invalid input: length of value must be at most 31 for dictionary value @ data['unit']");
        string? resourceId = null;
        if (body["resource_id"]?.GetValue<string>() is { } requestedResource)
        {
            if (name is null)
                throw ApiFault.BadRequest("Name cannot be null if resource_id is not null");
            var resource = await MetricAccess.VisibleResourceAsync(resources, "generic", requestedResource, caller, cancellationToken);
            resourceId = resource.Id;
        }
        var metric = new MetricRecord
        {
            Id = Guid.NewGuid().ToString(),
            Name = name,
            Unit = unit,
            ArchivePolicyName = await resources.PolicyForAsync(body["archive_policy_name"]?.GetValue<string>(), name, cancellationToken),
            ResourceId = resourceId,
            Creator = caller.Creator(),
            CreatorProjectId = caller.ProjectId,
        };
        if (!await metrics.InsertAsync(metric, cancellationToken))
            throw ApiFault.BadRequest($"Named metric {name} already exists");
        context.Response.Headers.Location = $"{context.Request.PathBase}/v1/metric/{metric.Id}";
        return JsonBody.Node(GnocchiJson.Metric(metric, await policies.FindAsync(metric.ArchivePolicyName, cancellationToken)), StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, MetricStore metrics, ResourceService resources, ArchivePolicyStore policies, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_metric");
        var metric = await MetricAccess.VisibleAsync(metrics, id, caller, cancellationToken);
        JsonObject? resource = null;
        if (metric.ResourceId is not null && await resources.FindAsync("generic", metric.ResourceId, caller.Creator(), cancellationToken) is { } record)
            resource = await resources.ToJsonAsync(record, cancellationToken);
        return JsonBody.Node(GnocchiJson.Metric(metric, await policies.FindAsync(metric.ArchivePolicyName, cancellationToken), resource, withResource: true));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, MetricStore metrics, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:delete_metric");
        var metric = await MetricAccess.VisibleAsync(metrics, id, caller, cancellationToken);
        await metrics.DeleteAsync(metric.Id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> PostMeasuresAsync(string id, HttpContext context, MetricStore metrics, MeasureService measures, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:post_measures");
        var metric = await MetricAccess.VisibleAsync(metrics, id, caller, cancellationToken);
        return await MeasureQuery.PostAsync(context, metric, measures, clock, cancellationToken);
    }

    private static async Task<IResult> GetMeasuresAsync(string id, HttpContext context, MetricStore metrics, MeasureService measures, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_measures");
        var metric = await MetricAccess.VisibleAsync(metrics, id, caller, cancellationToken);
        return await MeasureQuery.GetAsync(context, metric, measures, clock, cancellationToken);
    }
}
