using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Search;
using CloudBox.Telemetry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Api;

/// <summary><c>/v1/resource/{type}</c> and <c>/v1/search/resource/{type}</c>, with each resource's named metrics.</summary>
internal static class ResourceEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/resource", ListTypesAsync);
        v1.MapGet("/resource/{type}", ListAsync);
        v1.MapPost("/resource/{type}", CreateAsync);
        v1.MapDelete("/resource/{type}", BatchDeleteAsync);
        v1.MapGet("/resource/{type}/{id}", GetAsync);
        v1.MapMethods("/resource/{type}/{id}", ["PATCH"], PatchAsync);
        v1.MapDelete("/resource/{type}/{id}", DeleteAsync);
        v1.MapGet("/resource/{type}/{id}/history", HistoryAsync);
        v1.MapGet("/resource/{type}/{id}/metric", ListMetricsAsync);
        v1.MapPost("/resource/{type}/{id}/metric", AddMetricsAsync);
        v1.MapGet("/resource/{type}/{id}/metric/{name}", GetMetricAsync);
        v1.MapDelete("/resource/{type}/{id}/metric/{name}", DeleteMetricAsync);
        v1.MapPost("/resource/{type}/{id}/metric/{name}/measures", PostMeasuresAsync);
        v1.MapGet("/resource/{type}/{id}/metric/{name}/measures", GetMeasuresAsync);
        v1.MapPost("/search/resource/{type}", SearchAsync);
    }

    private static async Task<IResult> ListTypesAsync(HttpContext context, ResourceTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_resource_type");
        var body = new JsonObject();
        var root = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/v1/resource/";
        foreach (var type in await types.ListAsync(cancellationToken))
            body[type.Name] = root + type.Name;
        return JsonBody.Node(body);
    }

    private static List<string> Sorts(HttpRequest request) => [.. request.Query["sort"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!)];

    /// <summary>Lists (or searches, with a filter) and sets the Link header when a page is full.</summary>
    private static async Task<IResult> PageAsync(HttpContext context, ResourceService resources, string type, JsonNode? filter, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var limit = MetricEndpoints.Limit(context.Request);
        var page = await resources.SearchAsync(type, filter, caller.VisibilityProject(), Sorts(context.Request), context.Request.Query("marker"), limit, cancellationToken);
        var list = new JsonArray();
        foreach (var resource in page)
            list.Add(resource);
        if (page.Count == limit)
        {
            var query = System.Web.HttpUtility.ParseQueryString(context.Request.QueryString.Value ?? "");
            query["marker"] = page[^1]["id"]!.GetValue<string>();
            context.Response.Headers.Link = $"<{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}?{query}>; rel=\"next\"";
        }
        return JsonBody.Node(list);
    }

    private static async Task<IResult> ListAsync(string type, HttpContext context, ResourceService resources, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_resource");
        return await PageAsync(context, resources, type, null, cancellationToken);
    }

    /// <summary>The filter of a search: <c>?filter=</c> in the string language, else the JSON body.</summary>
    public static async Task<JsonNode?> FilterAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonNode? filter = null;
        try
        {
            if (request.Query("filter") is { } text)
            {
                filter = FilterQueryParser.Parse(text);
            }
            else if (request.ContentLength is not 0)
            {
                try
                {
                    filter = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
                }
                catch (JsonException) when (request.ContentLength is null)
                {
                    filter = null;
                }
                if (filter is JsonObject { Count: 0 })
                    filter = null;
            }
            ResourceFilter.Validate(filter);
        }
        catch (FormatException error)
        {
            throw ApiFault.BadRequest("Invalid filter: " + error.Message);
        }
        catch (JsonException error)
        {
            throw ApiFault.BadRequest("Invalid filter: " + error.Message);
        }
        return filter;
    }

    private static async Task<IResult> SearchAsync(string type, HttpContext context, ResourceService resources, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_resource");
        var filter = await FilterAsync(context.Request, cancellationToken);
        return await PageAsync(context, resources, type, filter, cancellationToken);
    }

    private static async Task<IResult> CreateAsync(string type, HttpContext context, ResourceService resources, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:create_resource");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        // A member creates resources for its own project only (Gnocchi's default lets the creator set any; CloudBox keeps projects apart).
        if (!caller.IsAdmin() && body["project_id"]?.GetValue<string>() is { } project && project != caller.ProjectId)
            throw ApiFault.Forbidden("Access was denied to this resource: a resource of another project.");
        var created = await resources.CreateAsync(type, body, caller.Creator(), caller.ProjectId, cancellationToken);
        context.Response.Headers.Location = $"{context.Request.PathBase}/v1/resource/{type}/{created["id"]}";
        return JsonBody.Node(created, StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(string type, string id, HttpContext context, ResourceService resources, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_resource");
        var resource = await MetricAccess.VisibleResourceAsync(resources, type, id, caller, cancellationToken);
        return JsonBody.Node(await resources.ToJsonAsync(resource, cancellationToken));
    }

    private static async Task<IResult> HistoryAsync(string type, string id, HttpContext context, ResourceService resources, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_resource");
        var resource = await MetricAccess.VisibleResourceAsync(resources, type, id, caller, cancellationToken);
        // Only the current revision is kept.
        return JsonBody.Node(new JsonArray(await resources.ToJsonAsync(resource, cancellationToken)));
    }

    private static async Task<IResult> PatchAsync(string type, string id, HttpContext context, ResourceService resources, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:update_resource");
        var resource = await MetricAccess.VisibleResourceAsync(resources, type, id, caller, cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        if (!caller.IsAdmin() && body["project_id"]?.GetValue<string>() is { } project && project != caller.ProjectId)
            throw ApiFault.Forbidden("Access was denied to this resource: a resource of another project.");
        return JsonBody.Node(await resources.UpdateAsync(resource, body, caller.Creator(), caller.ProjectId, cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(string type, string id, HttpContext context, ResourceService resources, ResourceStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:delete_resource");
        var resource = await MetricAccess.VisibleResourceAsync(resources, type, id, caller, cancellationToken);
        await store.DeleteAsync(resource.Id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> BatchDeleteAsync(string type, HttpContext context, ResourceService resources, ResourceStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:delete_resource");
        var filter = await FilterAsync(context.Request, cancellationToken);
        var matched = await resources.SearchAsync(type, filter, caller.VisibilityProject(), [], null, ResourceStore.MaxCandidates, cancellationToken);
        var deleted = 0;
        foreach (var resource in matched)
        {
            if (await store.DeleteAsync(resource["id"]!.GetValue<string>(), cancellationToken) is not null)
                deleted++;
        }
        return JsonBody.Node(new JsonObject { ["deleted"] = deleted });
    }

    private static async Task<IResult> ListMetricsAsync(string type, string id, HttpContext context, ResourceService resources, MetricStore metrics, ArchivePolicyStore policies, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_metric");
        var resource = await MetricAccess.VisibleResourceAsync(resources, type, id, caller, cancellationToken);
        var list = new JsonArray();
        foreach (var metric in await metrics.ListForResourcesAsync([resource.Id], cancellationToken))
            list.Add(GnocchiJson.Metric(metric, await policies.FindAsync(metric.ArchivePolicyName, cancellationToken)));
        return JsonBody.Node(list);
    }

    private static async Task<IResult> AddMetricsAsync(string type, string id, HttpContext context, ResourceService resources, MetricStore metrics, ArchivePolicyStore policies, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:create_metric");
        var resource = await MetricAccess.VisibleResourceAsync(resources, type, id, caller, cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var added = await resources.MetricsFromAsync(body, resource.Id, caller.Creator(), caller.ProjectId, cancellationToken);
        foreach (var metric in added)
        {
            if (!await metrics.InsertAsync(metric, cancellationToken))
                throw ApiFault.Conflict($"Named metric {metric.Name} already exists");
        }
        var list = new JsonArray();
        foreach (var metric in await metrics.ListForResourcesAsync([resource.Id], cancellationToken))
            list.Add(GnocchiJson.Metric(metric, await policies.FindAsync(metric.ArchivePolicyName, cancellationToken)));
        return JsonBody.Node(list);
    }

    private static async Task<IResult> GetMetricAsync(string type, string id, string name, HttpContext context, ResourceService resources, MetricStore metrics, ArchivePolicyStore policies, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_metric");
        var metric = await MetricAccess.NamedAsync(resources, metrics, type, id, name, caller, cancellationToken);
        var resource = await resources.FindAsync("generic", metric.ResourceId!, caller.Creator(), cancellationToken);
        var resourceJson = resource is null ? null : await resources.ToJsonAsync(resource, cancellationToken);
        return JsonBody.Node(GnocchiJson.Metric(metric, await policies.FindAsync(metric.ArchivePolicyName, cancellationToken), resourceJson, withResource: true));
    }

    private static async Task<IResult> DeleteMetricAsync(string type, string id, string name, HttpContext context, ResourceService resources, MetricStore metrics, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:delete_metric");
        var metric = await MetricAccess.NamedAsync(resources, metrics, type, id, name, caller, cancellationToken);
        await metrics.DeleteAsync(metric.Id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> PostMeasuresAsync(string type, string id, string name, HttpContext context, ResourceService resources, MetricStore metrics, MeasureService measures, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:post_measures");
        var metric = await MetricAccess.NamedAsync(resources, metrics, type, id, name, caller, cancellationToken);
        return await MeasureQuery.PostAsync(context, metric, measures, clock, cancellationToken);
    }

    private static async Task<IResult> GetMeasuresAsync(string type, string id, string name, HttpContext context, ResourceService resources, MetricStore metrics, MeasureService measures, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_measures");
        var metric = await MetricAccess.NamedAsync(resources, metrics, type, id, name, caller, cancellationToken);
        return await MeasureQuery.GetAsync(context, metric, measures, clock, cancellationToken);
    }
}
