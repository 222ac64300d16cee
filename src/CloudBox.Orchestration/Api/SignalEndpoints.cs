using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Local;
using CloudBox.Orchestration.Data;
using CloudBox.Orchestration.Engine;
using CloudBox.Orchestration.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Orchestration.Api;

/// <summary>
/// Resource signals (<c>resource signal</c>, with a token) and the token-free signal URLs handles and
/// scaling policies give out, plus <c>resource metadata</c> (a handle's signals).
/// </summary>
internal static class SignalEndpoints
{
    /// <summary>Striped locks (a fixed number, whatever the number of resources): one signal at a time per resource.</summary>
    private static readonly SemaphoreSlim[] Gates = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public static void MapRoot(IEndpointRouteBuilder routes) =>
        routes.MapPost("/signal/{stackId}/{resource}/{key}", async (HttpContext c, string stackId, string resource, string key, StackStore store, ResourceRegistry registry, StackEngine engine, LocalApi api, IDelegatedTokens tokens, CancellationToken ct) =>
        {
            var stack = await store.GetStackAsync(stackId, ct) ?? throw new HeatFault(404, $"The Stack ({stackId}) could not be found.", "EntityNotFound");
            var row = (await store.ResourcesAsync(stack.Id, ct)).LastOrDefault(r => r.Name == resource && !r.Replaced);
            if (row is null || !SignalUrl.Matches(JsonNode.Parse(row.Data) as JsonObject ?? [], key))
                throw new HeatFault(403, "The signal URL is not valid.", "Forbidden");
            await SignalAsync(c, stack, row, store, registry, engine, api, tokens, ct);
            return Results.Ok();
        });

    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/stacks/{name}/{id}/resources/{resource}/signal", async (HttpContext c, string projectId, string id, string resource, StackStore store, ResourceRegistry registry, StackEngine engine, LocalApi api, IDelegatedTokens tokens, CancellationToken ct) =>
        {
            var caller = HeatRequest.Caller(c, projectId);
            var stack = await HeatRequest.StackAsync(store, projectId, id, caller, ct);
            var row = (await store.ResourcesAsync(stack.Id, ct)).LastOrDefault(r => r.Name == resource && !r.Replaced)
                ?? throw new HeatFault(404, $"The Resource ({resource}) could not be found.", "ResourceNotFound");
            await SignalAsync(c, stack, row, store, registry, engine, api, tokens, ct);
            return Results.Ok();
        });
        v1.MapGet("/stacks/{name}/{id}/resources/{resource}/metadata", async (HttpContext c, string projectId, string id, string resource, StackStore store, CancellationToken ct) =>
        {
            var caller = HeatRequest.Caller(c, projectId);
            var stack = await HeatRequest.StackAsync(store, projectId, id, caller, ct);
            var row = (await store.ResourcesAsync(stack.Id, ct)).LastOrDefault(r => r.Name == resource && !r.Replaced)
                ?? throw new HeatFault(404, $"The Resource ({resource}) could not be found.", "ResourceNotFound");
            var metadata = new JsonObject();
            if (JsonNode.Parse(row.Data)?["signals"] is JsonObject signals)
                metadata["signals"] = signals.DeepClone();
            else if (JsonNode.Parse(stack.Template)?["resources"]?[resource]?["metadata"] is JsonObject declared)
                metadata = (JsonObject)declared.DeepClone();
            return JsonBody.Node(new JsonObject { ["metadata"] = metadata });
        });
    }

    private static async Task SignalAsync(HttpContext context, StackRecord stack, ResourceRecord row, StackStore store, ResourceRegistry registry, StackEngine engine, LocalApi api, IDelegatedTokens tokens, CancellationToken cancellationToken)
    {
        if (registry.Find(row.Type) is not ISignalable signalable || row.PhysicalId is null)
            throw new HeatFault(400, $"Signal resource during {row.FullStatus} is not supported: {row.Type} takes no signals.", "ResourceActionNotSupported");
        JsonObject details = [];
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            if (context.Request.ContentLength is > 64 * 1024)
                throw new HeatFault(413, "The signal is larger than 64 KiB.", "RequestLimitExceeded");
            details = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        }
        // One signal at a time per resource: a policy's cooldown and a handle's count read what the previous one saved.
        var gate = Gates[(int)((uint)StringComparer.Ordinal.GetHashCode(row.Id) % (uint)Gates.Length)];
        await gate.WaitAsync(cancellationToken);
        string? reason;
        try
        {
            row = (await store.ResourcesAsync(stack.Id, cancellationToken)).FirstOrDefault(r => r.Id == row.Id)
                ?? throw new HeatFault(404, $"The Resource ({row.Name}) could not be found.", "ResourceNotFound");
            using var client = api.CreateClient(await tokens.IssueAsync(stack.UserId, stack.ProjectId, cancellationToken));
            var resourceContext = engine.Context(stack, row, client);
            try
            {
                reason = await signalable.SignalAsync(resourceContext, row.PhysicalId!, details, cancellationToken);
            }
            catch (ResourceFailure error)
            {
                throw new HeatFault(400, error.Message, "ResourceFailure");
            }
            row.Data = resourceContext.Data.ToJsonString();
            await store.SaveResourceAsync(row, withEvent: false, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
        await store.AddEventAsync(stack.Id, row.Name, row.PhysicalId ?? "", row.Type, "SIGNAL", "COMPLETE", reason ?? $"Signal: {details["reason"] ?? details["status"] ?? "received"}", cancellationToken);
    }
}
