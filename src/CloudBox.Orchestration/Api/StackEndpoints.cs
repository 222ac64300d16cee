using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Orchestration.Data;
using CloudBox.Orchestration.Engine;
using CloudBox.Orchestration.Templates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Orchestration.Api;

/// <summary>
/// <c>/v1/{project_id}/stacks</c>: create, list, lookup by name (302 to <c>stacks/{name}/{id}</c>, as
/// Heat answers), show, update (PUT/PATCH), delete, outputs, template, environment, files, and the
/// stack's resources and events.
/// </summary>
internal static class StackEndpoints
{
    private static readonly string[] Lookups = ["resources", "events", "outputs", "template", "environment", "files", "preview", "abandon", "snapshots", "actions", "export"];
    private static readonly string[] AllMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/stacks", CreateAsync);
        v1.MapGet("/stacks", ListAsync);
        v1.MapMethods("/stacks/{stack}", AllMethods, LookupAsync);
        foreach (var sub in Lookups)
        {
            v1.MapMethods($"/stacks/{{stack}}/{sub}", AllMethods, (HttpContext c, string projectId, string stack, StackStore s, CancellationToken ct) => LookupAsync(c, projectId, stack, s, ct, sub));
            v1.MapMethods($"/stacks/{{stack}}/{sub}/{{**rest}}", AllMethods, (HttpContext c, string projectId, string stack, string rest, StackStore s, CancellationToken ct) => LookupAsync(c, projectId, stack, s, ct, $"{sub}/{rest}"));
        }
        v1.MapGet("/stacks/{name}/{id}", ShowAsync);
        v1.MapPut("/stacks/{name}/{id}", (HttpContext c, string projectId, string id, StackStore s, StackService svc, CancellationToken ct) => UpdateAsync(c, projectId, id, s, svc, false, ct));
        v1.MapPatch("/stacks/{name}/{id}", (HttpContext c, string projectId, string id, StackStore s, StackService svc, CancellationToken ct) => UpdateAsync(c, projectId, id, s, svc, true, ct));
        v1.MapDelete("/stacks/{name}/{id}", DeleteAsync);
        v1.MapGet("/stacks/{name}/{id}/outputs", OutputsAsync);
        v1.MapGet("/stacks/{name}/{id}/outputs/{key}", OutputAsync);
        v1.MapGet("/stacks/{name}/{id}/template", async (HttpContext c, string projectId, string id, StackStore s, CancellationToken ct) =>
            JsonBody.Node(JsonNode.Parse((await Stack(c, projectId, id, s, ct)).Template)!));
        v1.MapGet("/stacks/{name}/{id}/environment", async (HttpContext c, string projectId, string id, StackStore s, CancellationToken ct) =>
            JsonBody.Node(JsonNode.Parse((await Stack(c, projectId, id, s, ct)).Environment)!));
        v1.MapGet("/stacks/{name}/{id}/files", async (HttpContext c, string projectId, string id, StackStore s, CancellationToken ct) =>
            JsonBody.Node(JsonNode.Parse((await Stack(c, projectId, id, s, ct)).Files)!));
        v1.MapGet("/stacks/{name}/{id}/resources", ResourcesAsync);
        v1.MapGet("/stacks/{name}/{id}/resources/{resource}", ResourceAsync);
        v1.MapPatch("/stacks/{name}/{id}/resources/{resource}", async (HttpContext c, string projectId, string id, string resource, StackStore s, StackService svc, CancellationToken ct) =>
        {
            var stack = await Stack(c, projectId, id, s, ct);
            await svc.MarkUnhealthyAsync(stack, resource, await JsonBody.ReadObjectAsync(c.Request, ct), ct);
            return Results.Ok();
        });
        v1.MapDelete("/stacks/{name}/{id}/abandon", async (HttpContext c, string projectId, string id, StackStore s, StackService svc, CancellationToken ct) =>
            JsonBody.Node(await svc.AbandonAsync(await Stack(c, projectId, id, s, ct), ct)));
        v1.MapPost("/stacks/{name}/{id}/actions", async (HttpContext c, string projectId, string id, StackStore s, StackService svc, CancellationToken ct) =>
        {
            var stack = await Stack(c, projectId, id, s, ct);
            await svc.ActAsync(stack, await JsonBody.ReadObjectAsync(c.Request, ct), ct);
            return Results.Ok();
        });
        v1.MapGet("/stacks/{name}/{id}/events", (HttpContext c, string projectId, string id, StackStore s, CancellationToken ct) => EventsAsync(c, projectId, id, null, s, ct));
        v1.MapGet("/stacks/{name}/{id}/resources/{resource}/events", (HttpContext c, string projectId, string id, string resource, StackStore s, CancellationToken ct) => EventsAsync(c, projectId, id, resource, s, ct));
        v1.MapPut("/stacks/{name}/{id}/preview", (HttpContext c, string projectId, string id, StackStore s, CancellationToken ct) => PreviewUpdateAsync(c, projectId, id, s, false, ct));
        v1.MapPatch("/stacks/{name}/{id}/preview", (HttpContext c, string projectId, string id, StackStore s, CancellationToken ct) => PreviewUpdateAsync(c, projectId, id, s, true, ct));
    }

    private static async Task<StackRecord> Stack(HttpContext context, string projectId, string id, StackStore store, CancellationToken cancellationToken)
    {
        var caller = HeatRequest.Caller(context, projectId);
        return await HeatRequest.StackAsync(store, projectId, id, caller, cancellationToken);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, string projectId, StackService service, CancellationToken cancellationToken)
    {
        var caller = HeatRequest.Caller(context, projectId);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var stack = await service.CreateAsync(caller, projectId, body, cancellationToken);
        return JsonBody.Node(new JsonObject
        {
            ["stack"] = new JsonObject
            {
                ["id"] = stack.Id,
                ["links"] = new JsonArray(new JsonObject { ["href"] = HeatRequest.StackUrl(context, projectId, stack), ["rel"] = "self" }),
            },
        }, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string projectId, StackStore store, CancellationToken cancellationToken)
    {
        var caller = HeatRequest.Caller(context, projectId);
        var request = context.Request;
        var global = request.QueryBool("global_tenant") == true;
        if (global && !caller.HasRole("admin"))
            throw new HeatFault(403, "global_tenant is limited to administrators.", "Forbidden");
        var sortKey = request.Query("sort_keys") ?? "created_at";
        var column = sortKey switch
        {
            "stack_name" or "name" => "name",
            "stack_status" or "status" => "status",
            "updated_at" or "updated_time" => "updated_at",
            "created_at" or "creation_time" => "created_at",
            _ => throw new HeatFault(400, $"Sort key {sortKey} is not supported (stack_name, stack_status, creation_time, updated_time).", "HTTPBadRequest"),
        };
        var limit = int.TryParse(request.Query("limit"), out var l) ? Math.Clamp(l, 1, 1000) : 1000;
        var status = request.Query("status");
        var query = new StackQuery(
            global ? null : projectId,
            request.QueryBool("show_nested") == true,
            request.Query("name") ?? request.Query("stack_name"),
            status?.Contains('_', StringComparison.Ordinal) == true ? status[(status.LastIndexOf('_') + 1)..] : status,
            request.Query("action") ?? (status?.Contains('_', StringComparison.Ordinal) == true ? status[..status.LastIndexOf('_')] : null),
            column,
            (request.Query("sort_dir") ?? "desc") == "desc",
            request.Query("marker"),
            limit);
        var stacks = await store.ListStacksAsync(query, cancellationToken);
        return JsonBody.Node(new JsonObject { ["stacks"] = new JsonArray(stacks.Select(s => (JsonNode?)StackViews.Stack(context, projectId, s, false, null, null)).ToArray()) });
    }

    /// <summary>Heat's stacks:lookup: a name (or id) alone redirects to the stack's canonical URL.</summary>
    private static async Task<IResult> LookupAsync(HttpContext context, string projectId, string stack, StackStore store, CancellationToken cancellationToken, string? rest = null)
    {
        var found = await Stack(context, projectId, stack, store, cancellationToken);
        var location = HeatRequest.StackUrl(context, projectId, found) + (rest is null ? "" : "/" + rest) + context.Request.QueryString;
        context.Response.Headers.Location = location;
        return Results.Text($"{{\"location\": \"{location}\"}}", "application/json", statusCode: StatusCodes.Status302Found);
    }

    private static async Task<IResult> ShowAsync(HttpContext context, string projectId, string id, StackStore store, StackService service, CancellationToken cancellationToken)
    {
        var stack = await Stack(context, projectId, id, store, cancellationToken);
        var definition = TryDefinition(stack);
        JsonArray? outputs = null;
        if (definition is not null && context.Request.QueryBool("resolve_outputs") != false && stack.Action != "DELETE")
            outputs = await service.OutputsAsync(stack, definition, null, cancellationToken);
        return JsonBody.Node(new JsonObject { ["stack"] = StackViews.Stack(context, projectId, stack, true, definition, outputs) });
    }

    private static StackDefinition? TryDefinition(StackRecord stack)
    {
        try
        {
            return StackEngine.Definition(stack);
        }
        catch (TemplateException)
        {
            return null;
        }
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string projectId, string id, StackStore store, StackService service, bool patch, CancellationToken cancellationToken)
    {
        var caller = HeatRequest.Caller(context, projectId);
        var stack = await HeatRequest.StackAsync(store, projectId, id, caller, cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        await service.UpdateAsync(caller, stack, body, patch, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string projectId, string id, StackStore store, StackService service, CancellationToken cancellationToken)
    {
        var stack = await Stack(context, projectId, id, store, cancellationToken);
        await service.DeleteAsync(stack, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> OutputsAsync(HttpContext context, string projectId, string id, StackStore store, CancellationToken cancellationToken)
    {
        var stack = await Stack(context, projectId, id, store, cancellationToken);
        var definition = StackEngine.Definition(stack);
        var list = new JsonArray(definition.Template.Outputs.Select(o => (JsonNode?)new JsonObject
        {
            ["output_key"] = o.Key,
            ["description"] = o.Value?["description"]?.ToString() ?? "No description given",
        }).ToArray());
        return JsonBody.Node(new JsonObject { ["outputs"] = list });
    }

    private static async Task<IResult> OutputAsync(HttpContext context, string projectId, string id, string key, StackStore store, StackService service, CancellationToken cancellationToken)
    {
        var stack = await Stack(context, projectId, id, store, cancellationToken);
        var outputs = await service.OutputsAsync(stack, StackEngine.Definition(stack), key, cancellationToken);
        if (outputs.Count == 0)
            throw new HeatFault(404, $"Specified output key {key} not found.", "NotFound");
        return JsonBody.Node(new JsonObject { ["output"] = outputs[0]!.DeepClone() });
    }

    private static async Task<IResult> ResourcesAsync(HttpContext context, string projectId, string id, StackStore store, CancellationToken cancellationToken)
    {
        var stack = await Stack(context, projectId, id, store, cancellationToken);
        var rows = (await store.ResourcesAsync(stack.Id, cancellationToken)).Where(r => !r.Replaced || r.Status != "COMPLETE").ToList();
        var type = context.Request.Query("type");
        var name = context.Request.Query("name");
        var list = rows.Where(r => (type is null || r.Type == type) && (name is null || r.Name == name))
            .Select(r => (JsonNode?)StackViews.Resource(context, projectId, stack, r, RequiredBy(rows, r.Name))).ToArray();
        return JsonBody.Node(new JsonObject { ["resources"] = new JsonArray(list) });
    }

    private static IEnumerable<string> RequiredBy(IReadOnlyList<ResourceRecord> rows, string name) =>
        rows.Where(r => JsonNode.Parse(r.Requires) is JsonArray a && a.Any(x => x?.ToString() == name)).Select(r => r.Name).Distinct();

    private static async Task<IResult> ResourceAsync(HttpContext context, string projectId, string id, string resource, StackStore store, CancellationToken cancellationToken)
    {
        var stack = await Stack(context, projectId, id, store, cancellationToken);
        var rows = await store.ResourcesAsync(stack.Id, cancellationToken);
        var row = rows.LastOrDefault(r => r.Name == resource && !r.Replaced) ?? rows.LastOrDefault(r => r.Name == resource)
            ?? throw new HeatFault(404, $"The Resource ({resource}) could not be found.", "ResourceNotFound");
        var json = StackViews.Resource(context, projectId, stack, row, RequiredBy(rows, row.Name));
        json["attributes"] = new JsonObject();
        json["description"] = "";
        return JsonBody.Node(new JsonObject { ["resource"] = json });
    }

    private static async Task<IResult> EventsAsync(HttpContext context, string projectId, string id, string? resource, StackStore store, CancellationToken cancellationToken)
    {
        var stack = await Stack(context, projectId, id, store, cancellationToken);
        var request = context.Request;
        var status = request.Query("resource_status");
        var query = new EventQuery(
            request.Query("resource_action") ?? (status?.Contains('_', StringComparison.Ordinal) == true ? status[..status.LastIndexOf('_')] : null),
            status?.Contains('_', StringComparison.Ordinal) == true ? status[(status.LastIndexOf('_') + 1)..] : status,
            request.Query("resource_type"),
            request.Query("marker"),
            request.Query("sort_dir") == "desc",
            int.TryParse(request.Query("limit"), out var l) ? Math.Clamp(l, 1, 1000) : 1000);
        var events = await store.EventsAsync(stack.Id, resource ?? request.Query("resource_name"), query, cancellationToken);
        return JsonBody.Node(new JsonObject { ["events"] = new JsonArray(events.Select(e => (JsonNode?)StackViews.Event(context, projectId, stack, e)).ToArray()) });
    }

    /// <summary><c>stack update --dry-run</c>: what the update would add, delete, replace, update or leave.</summary>
    private static async Task<IResult> PreviewUpdateAsync(HttpContext context, string projectId, string id, StackStore store, bool patch, CancellationToken cancellationToken)
    {
        var stack = await Stack(context, projectId, id, store, cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var merged = StackService.Merge(stack, body, patch);
        var services = context.RequestServices;
        var registry = (Resources.ResourceRegistry)services.GetService(typeof(Resources.ResourceRegistry))!;
        var plan = await UpdatePlanner.PlanAsync(stack, merged, registry, await store.ResourcesAsync(stack.Id, cancellationToken));
        var changes = new JsonObject();
        foreach (var (kind, names) in plan)
            changes[kind] = new JsonArray(names.Select(n => (JsonNode?)new JsonObject { ["resource_name"] = n.Name, ["resource_type"] = n.Type, ["resource_identity"] = new JsonObject { ["stack_name"] = stack.Name, ["stack_id"] = stack.Id, ["path"] = $"/resources/{n.Name}" } }).ToArray());
        return JsonBody.Node(new JsonObject { ["resource_changes"] = changes });
    }
}
