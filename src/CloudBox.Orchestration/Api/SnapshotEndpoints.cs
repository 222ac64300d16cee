using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Orchestration.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Orchestration.Api;

/// <summary><c>/stacks/{name}/{id}/snapshots</c>: create, list, show, delete and restore (see <see cref="SnapshotService"/>).</summary>
internal static class SnapshotEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/stacks/{name}/{id}/snapshots", async (HttpContext c, string projectId, string id, StackStore s, SnapshotService svc, CancellationToken ct) =>
        {
            var stack = await StackAsync(c, projectId, id, s, ct);
            var body = c.Request.ContentLength is > 0 || c.Request.Headers.TransferEncoding.Count > 0 ? await JsonBody.ReadObjectAsync(c.Request, ct) : [];
            return JsonBody.Node(SnapshotService.View(await svc.CreateAsync(stack, body, ct)));
        });
        v1.MapGet("/stacks/{name}/{id}/snapshots", async (HttpContext c, string projectId, string id, StackStore s, SnapshotStore snapshots, CancellationToken ct) =>
        {
            var stack = await StackAsync(c, projectId, id, s, ct);
            var list = await snapshots.ListAsync(stack.Id, ct);
            return JsonBody.Node(new JsonObject { ["snapshots"] = new JsonArray(list.Select(x => (JsonNode?)SnapshotService.View(x)).ToArray()) });
        });
        v1.MapGet("/stacks/{name}/{id}/snapshots/{snapshot}", async (HttpContext c, string projectId, string id, string snapshot, StackStore s, SnapshotService svc, CancellationToken ct) =>
        {
            var stack = await StackAsync(c, projectId, id, s, ct);
            return JsonBody.Node(new JsonObject { ["snapshot"] = SnapshotService.View(await svc.GetAsync(stack, snapshot, ct)) });
        });
        v1.MapDelete("/stacks/{name}/{id}/snapshots/{snapshot}", async (HttpContext c, string projectId, string id, string snapshot, StackStore s, SnapshotService svc, CancellationToken ct) =>
        {
            await svc.DeleteAsync(await StackAsync(c, projectId, id, s, ct), snapshot, ct);
            return Results.NoContent();
        });
        v1.MapPost("/stacks/{name}/{id}/snapshots/{snapshot}/restore", async (HttpContext c, string projectId, string id, string snapshot, StackStore s, SnapshotService svc, CancellationToken ct) =>
        {
            await svc.RestoreAsync(await StackAsync(c, projectId, id, s, ct), snapshot, ct);
            return Results.StatusCode(StatusCodes.Status202Accepted);
        });
    }

    private static async Task<StackRecord> StackAsync(HttpContext context, string projectId, string id, StackStore store, CancellationToken cancellationToken) =>
        await HeatRequest.StackAsync(store, projectId, id, HeatRequest.Caller(context, projectId), cancellationToken);
}
