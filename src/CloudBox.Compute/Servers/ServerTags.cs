using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Servers;

/// <summary><c>/servers/{id}/tags</c> (microversion 2.26): list, replace, clear, and one tag's check, add and remove.</summary>
public static class ServerTags
{
    private const int MaxTags = 50;

    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/servers/{id}/tags", ListAsync);
        v21.MapPut("/servers/{id}/tags", ReplaceAsync);
        v21.MapDelete("/servers/{id}/tags", ClearAsync);
        v21.MapGet("/servers/{id}/tags/{tag}", CheckAsync);
        v21.MapPut("/servers/{id}/tags/{tag}", AddAsync);
        v21.MapDelete("/servers/{id}/tags/{tag}", RemoveAsync);
    }

    public static List<string> Read(ServerRecord server) => JsonSerializer.Deserialize<List<string>>(server.Tags) ?? [];

    private static async Task<ServerRecord> FindAsync(string id, HttpContext context, ServerStore servers, PolicyEngine policy, bool change, CancellationToken cancellationToken)
    {
        if (!Microversions.AtLeast(context, 26))
            throw ApiFault.NotFound("The resource could not be found.");
        var caller = context.Authorize(policy, change ? "compute:servers:update" : "compute:servers:show");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        if (change)
            ServerAccess.CheckNotLocked(server, caller);
        return server;
    }

    private static void Validate(string tag)
    {
        if (tag.Length is 0 or > 60 || tag.Contains(',') || tag.Contains('/'))
            throw ApiFault.BadRequest($"Invalid tag '{tag}': 1 to 60 characters, without ',' or '/'.");
    }

    private static async Task SaveAsync(ServerStore servers, string id, List<string> tags, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (tags.Count > MaxTags)
            throw ApiFault.BadRequest($"The number of tags exceeded the per-server limit {MaxTags}");
        await servers.UpdateFieldsAsync(id, "tags = @tags, updated_at = @now",
            new { tags = JsonSerializer.Serialize(tags), now = Timestamps.ToStorage(clock.GetUtcNow()) }, cancellationToken);
    }

    private static JsonArray ToJson(IEnumerable<string> tags) => new(tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());

    private static async Task<IResult> ListAsync(string id, HttpContext context, ServerStore servers, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, false, cancellationToken);
        return JsonBody.Node(new JsonObject { ["tags"] = ToJson(Read(server)) });
    }

    private static async Task<IResult> ReplaceAsync(string id, HttpContext context, ServerStore servers, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        await FindAsync(id, context, servers, policy, true, cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var tags = body.OptionalArray("tags")?.Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : throw ApiFault.BadRequest("Tags must be strings.")).Distinct().ToList()
            ?? throw ApiFault.BadRequest("Invalid input: 'tags' is a required property.");
        tags.ForEach(Validate);
        await SaveAsync(servers, id, tags, clock, cancellationToken);
        return JsonBody.Node(new JsonObject { ["tags"] = ToJson(tags) });
    }

    private static async Task<IResult> ClearAsync(string id, HttpContext context, ServerStore servers, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        await FindAsync(id, context, servers, policy, true, cancellationToken);
        await SaveAsync(servers, id, [], clock, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> CheckAsync(string id, string tag, HttpContext context, ServerStore servers, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, false, cancellationToken);
        return Read(server).Contains(tag) ? Results.NoContent() : throw ApiFault.NotFound($"Tag '{tag}' could not be found for instance {id}.");
    }

    private static async Task<IResult> AddAsync(string id, string tag, HttpContext context, ServerStore servers, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, true, cancellationToken);
        Validate(tag);
        var tags = Read(server);
        if (tags.Contains(tag))
            return Results.NoContent();
        tags.Add(tag);
        await SaveAsync(servers, id, tags, clock, cancellationToken);
        context.Response.Headers.Location = $"{ComputeLinks.Versioned(context)}/servers/{id}/tags/{tag}";
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    private static async Task<IResult> RemoveAsync(string id, string tag, HttpContext context, ServerStore servers, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, true, cancellationToken);
        var tags = Read(server);
        if (!tags.Remove(tag))
            throw ApiFault.NotFound($"Tag '{tag}' could not be found for instance {id}.");
        await SaveAsync(servers, id, tags, clock, cancellationToken);
        return Results.NoContent();
    }
}
