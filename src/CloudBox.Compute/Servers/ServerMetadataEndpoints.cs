using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Compute.Quotas;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Servers;

/// <summary><c>/servers/{id}/metadata</c>: list, merge (POST), replace (PUT), and one key's show, set and delete.</summary>
public static class ServerMetadataEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/servers/{id}/metadata", ListAsync);
        v21.MapPost("/servers/{id}/metadata", (string id, HttpContext c, ServerStore s, QuotaStore q, PolicyEngine p, TimeProvider t, CancellationToken ct) => ChangeAsync(id, c, s, q, p, t, false, ct));
        v21.MapPut("/servers/{id}/metadata", (string id, HttpContext c, ServerStore s, QuotaStore q, PolicyEngine p, TimeProvider t, CancellationToken ct) => ChangeAsync(id, c, s, q, p, t, true, ct));
        v21.MapGet("/servers/{id}/metadata/{key}", GetAsync);
        v21.MapPut("/servers/{id}/metadata/{key}", PutAsync);
        v21.MapDelete("/servers/{id}/metadata/{key}", DeleteAsync);
    }

    private static Dictionary<string, string> Read(ServerRecord server) => NovaBody.StringMap(JsonNode.Parse(server.Metadata), "metadata");

    private static async Task<ServerRecord> FindAsync(string id, HttpContext context, ServerStore servers, PolicyEngine policy, string action, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, action);
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        if (action.EndsWith(":update", StringComparison.Ordinal))
            ServerAccess.CheckNotLocked(server, caller);
        return server;
    }

    private static async Task SaveAsync(ServerRecord server, Dictionary<string, string> metadata, ServerStore servers, QuotaStore quotas, TimeProvider clock, CancellationToken cancellationToken)
    {
        var limit = (await quotas.LimitsAsync(server.ProjectId, cancellationToken))["metadata_items"];
        if (limit >= 0 && metadata.Count > limit)
            throw ApiFault.Forbidden($"Quota exceeded for metadata_items: Requested {metadata.Count}, but already used 0 of {limit} metadata_items");
        await servers.UpdateFieldsAsync(server.Id, "metadata = @metadata, updated_at = @now",
            new { server.Id, metadata = NovaBody.ToJson(metadata).ToJsonString(), now = Timestamps.ToStorage(clock.GetUtcNow()) }, cancellationToken);
    }

    private static async Task<IResult> ListAsync(string id, HttpContext context, ServerStore servers, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, "compute:servers:metadata:index", cancellationToken);
        return JsonBody.Node(new JsonObject { ["metadata"] = NovaBody.ToJson(Read(server)) });
    }

    private static async Task<IResult> ChangeAsync(string id, HttpContext context, ServerStore servers, QuotaStore quotas, PolicyEngine policy, TimeProvider clock, bool replace, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, "compute:servers:metadata:update", cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var given = NovaBody.StringMap(body["metadata"], "metadata");
        var metadata = replace ? given : Read(server);
        if (!replace)
        {
            foreach (var (key, value) in given)
                metadata[key] = value;
        }
        await SaveAsync(server, metadata, servers, quotas, clock, cancellationToken);
        return JsonBody.Node(new JsonObject { ["metadata"] = NovaBody.ToJson(metadata) });
    }

    private static async Task<IResult> GetAsync(string id, string key, HttpContext context, ServerStore servers, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, "compute:servers:metadata:index", cancellationToken);
        if (!Read(server).TryGetValue(key, out var value))
            throw ApiFault.NotFound("Metadata item was not found");
        return JsonBody.Node(new JsonObject { ["meta"] = new JsonObject { [key] = value } });
    }

    private static async Task<IResult> PutAsync(string id, string key, HttpContext context, ServerStore servers, QuotaStore quotas, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, "compute:servers:metadata:update", cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var meta = NovaBody.StringMap(body["meta"], "meta");
        if (meta.Count != 1 || !meta.ContainsKey(key))
            throw ApiFault.BadRequest("Request body and URI mismatch");
        var metadata = Read(server);
        metadata[key] = meta[key];
        await SaveAsync(server, metadata, servers, quotas, clock, cancellationToken);
        return JsonBody.Node(new JsonObject { ["meta"] = new JsonObject { [key] = meta[key] } });
    }

    private static async Task<IResult> DeleteAsync(string id, string key, HttpContext context, ServerStore servers, QuotaStore quotas, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var server = await FindAsync(id, context, servers, policy, "compute:servers:metadata:update", cancellationToken);
        var metadata = Read(server);
        if (!metadata.Remove(key))
            throw ApiFault.NotFound("Metadata item was not found");
        await SaveAsync(server, metadata, servers, quotas, clock, cancellationToken);
        return Results.NoContent();
    }
}
