using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Api;

/// <summary><c>/v1/archive_policy</c>: create, list, show, change the definition (same granularities), delete unused.</summary>
internal static class ArchivePolicyEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/archive_policy", ListAsync);
        v1.MapPost("/archive_policy", CreateAsync);
        v1.MapGet("/archive_policy/{name}", GetAsync);
        v1.MapMethods("/archive_policy/{name}", ["PATCH"], UpdateAsync);
        v1.MapDelete("/archive_policy/{name}", DeleteAsync);
    }

    public static ApiFault NotFound(string name) => ApiFault.NotFound($"Archive policy {name} does not exist");

    private static async Task<IResult> ListAsync(HttpContext context, ArchivePolicyStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_archive_policy");
        var list = new JsonArray();
        foreach (var item in await store.ListAsync(cancellationToken))
            list.Add(GnocchiJson.Policy(item));
        return JsonBody.Node(list);
    }

    private static async Task<IResult> GetAsync(string name, HttpContext context, ArchivePolicyStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_archive_policy");
        var found = await store.FindAsync(name, cancellationToken) ?? throw NotFound(name);
        return JsonBody.Node(GnocchiJson.Policy(found));
    }

    /// <summary>
    /// A definition line: any two of granularity, points, timespan (the third derived);
    /// timespan must equal granularity × points when all three are given.
    /// </summary>
    public static ArchivePolicyItem ParseItem(JsonNode? node)
    {
        if (node is not JsonObject item)
            throw ApiFault.BadRequest("Invalid input: expected a dictionary for dictionary value @ data['definition']");
        long? granularity = item["granularity"] is { } g ? GnocchiTime.ParseSpan(Text(g), "granularity") : null;
        long? timespan = item["timespan"] is { } t ? GnocchiTime.ParseSpan(Text(t), "timespan") : null;
        long? points = item["points"] is { } p ? (long)double.Parse(Text(p), System.Globalization.CultureInfo.InvariantCulture) : null;
        if (points is <= 0)
            throw ApiFault.BadRequest("Invalid input: Number of points should be > 0");
        if (granularity is not null && points is not null && timespan is not null && timespan != granularity * points)
            throw ApiFault.BadRequest("Invalid input: timespan ≠ granularity × points");
        if (granularity is null && points is not null && timespan is not null)
            granularity = timespan / points;
        if (points is null && granularity is not null && timespan is not null)
            points = timespan / granularity;
        if (granularity is null || points is null)
            throw ApiFault.BadRequest("Invalid input: a definition needs two of granularity, points and timespan");
        if (granularity <= 0)
            throw ApiFault.BadRequest("Invalid input: Granularity should be > 0");
        return new ArchivePolicyItem(granularity.Value, points.Value);
    }

    private static string Text(JsonNode node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node.ToJsonString();

    public static List<ArchivePolicyItem> ParseDefinition(JsonNode? node)
    {
        if (node is not JsonArray list || list.Count == 0)
            throw ApiFault.BadRequest("Invalid input: length of value must be at least 1 for dictionary value @ data['definition']");
        var items = list.Select(ParseItem).ToList();
        var duplicate = items.GroupBy(i => i.GranularityNs).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw ApiFault.BadRequest($"Invalid input: More than one archive policy uses granularity `{GnocchiTime.Seconds(duplicate.Key)}'");
        return items;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ArchivePolicyStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:create_archive_policy");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var name = body["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) || name.Contains('/'))
            throw ApiFault.BadRequest("Invalid input: a name without '/' is required for dictionary value @ data['name']");
        var backWindow = body["back_window"]?.GetValue<int>() ?? 0;
        if (backWindow < 0)
            throw ApiFault.BadRequest("Invalid input: back_window must be >= 0");
        var definition = ParseDefinition(body["definition"]);
        List<string> methods;
        try
        {
            methods = ArchivePolicy.ResolveMethods(body["aggregation_methods"] is JsonArray requested ? [.. requested.Select(m => m!.GetValue<string>())] : null);
        }
        catch (ArgumentException error)
        {
            throw ApiFault.BadRequest("Invalid input: " + error.Message);
        }
        var created = new ArchivePolicy(name, backWindow, definition, methods);
        if (!await store.InsertAsync(created, cancellationToken))
            throw ApiFault.Conflict($"Archive policy {name} already exists");
        context.Response.Headers.Location = $"{context.Request.PathBase}/v1/archive_policy/{name}";
        return JsonBody.Node(GnocchiJson.Policy(created), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string name, HttpContext context, ArchivePolicyStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:update_archive_policy");
        var existing = await store.FindAsync(name, cancellationToken) ?? throw NotFound(name);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var definition = ParseDefinition(body["definition"]);
        var before = existing.Definition.Select(i => i.GranularityNs).Order().ToList();
        var after = definition.Select(i => i.GranularityNs).Order().ToList();
        if (!before.SequenceEqual(after))
            throw ApiFault.BadRequest("Archive policy " + name + " does not support change: Cannot add or drop granularities");
        var updated = existing with { Definition = definition };
        await store.UpdateAsync(updated, cancellationToken);
        return JsonBody.Node(GnocchiJson.Policy(updated));
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, ArchivePolicyStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:delete_archive_policy");
        return await store.DeleteAsync(name, cancellationToken) switch
        {
            null => throw NotFound(name),
            false => throw ApiFault.BadRequest($"Archive policy {name} is still in use"),
            true => Results.NoContent(),
        };
    }
}
