using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Alarms;

/// <summary>Aodh v2 under <c>/alarming</c>: alarms, their state and history, capabilities and quotas.</summary>
internal static class AlarmEndpoints
{
    public const int AlarmQuota = 1000;

    public static readonly HashSet<string> Types =
        ["gnocchi_resources_threshold", "gnocchi_aggregation_by_metrics_threshold", "gnocchi_aggregation_by_resources_threshold", "event", "composite"];

    public static readonly HashSet<string> States = ["ok", "alarm", "insufficient data"];

    public static void Map(IEndpointRouteBuilder root)
    {
        var aodh = root.MapGroup("/alarming");
        aodh.AddEndpointFilter(AodhFaults.FilterAsync);
        aodh.MapGet("", Versions);
        aodh.MapGet("/", Versions);
        aodh.MapGet("/v2/alarms", ListAsync);
        aodh.MapPost("/v2/alarms", CreateAsync);
        aodh.MapGet("/v2/alarms/{id}", GetAsync);
        aodh.MapPut("/v2/alarms/{id}", UpdateAsync);
        aodh.MapDelete("/v2/alarms/{id}", DeleteAsync);
        aodh.MapGet("/v2/alarms/{id}/state", GetStateAsync);
        aodh.MapPut("/v2/alarms/{id}/state", SetStateAsync);
        aodh.MapGet("/v2/alarms/{id}/history", HistoryAsync);
        aodh.MapGet("/v2/capabilities", Capabilities);
        aodh.MapGet("/v2/capabilities/", Capabilities);
        aodh.MapGet("/v2/quotas", QuotasAsync);
        aodh.MapPost("/v2/query/alarms", QueryAsync);
    }

    /// <summary>Aodh's complex query: <c>{"filter": "{\"=\": {\"name\": \"x\"}}", "limit": n}</c>, over the alarms the caller sees.</summary>
    private static async Task<IResult> QueryAsync(HttpContext context, AlarmStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:get");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var filter = AlarmQuery.Parse(body["filter"]);
        var limit = body["limit"] is JsonValue l && l.TryGetValue<int>(out var n) && n > 0 ? n : int.MaxValue;
        var list = new JsonArray();
        foreach (var alarm in await store.ListAsync(caller.VisibilityProject(), false, cancellationToken))
        {
            var json = JsonNode.Parse(alarm.Definition)!.AsObject();
            if (AlarmQuery.Matches(filter, json))
                list.Add(json);
            if (list.Count >= limit)
                break;
        }
        return JsonBody.Node(list);
    }

    private static IResult Versions(HttpContext context)
    {
        var href = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/alarming/v2";
        return JsonBody.Node(new JsonObject
        {
            ["versions"] = new JsonObject
            {
                ["values"] = new JsonArray(new JsonObject
                {
                    ["status"] = "stable",
                    ["links"] = new JsonArray(new JsonObject { ["href"] = href, ["rel"] = "self" }),
                    ["id"] = "v2",
                    ["updated"] = "2013-02-13T00:00:00Z",
                    ["media-types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.telemetry-v2+json" }),
                }),
            },
        }, 300);
    }

    private static async Task<AlarmRecord> VisibleAsync(AlarmStore store, string id, CallerContext caller, CancellationToken cancellationToken)
    {
        var alarm = await store.FindAsync(id, cancellationToken);
        if (alarm is null || !(caller.IsAdmin() || alarm.ProjectId == caller.ProjectId))
            throw ApiFault.NotFound($"Alarm {id} not found");
        return alarm;
    }

    private static async Task<IResult> ListAsync(HttpContext context, AlarmStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:get");
        var list = new JsonArray();
        // Aodh's q.field/q.op/q.value filters, equality only.
        var fields = context.Request.Query["q.field"];
        var values = context.Request.Query["q.value"];
        foreach (var alarm in await store.ListAsync(caller.VisibilityProject(), false, cancellationToken))
        {
            var json = JsonNode.Parse(alarm.Definition)!.AsObject();
            var matches = true;
            for (var i = 0; i < fields.Count && i < values.Count; i++)
            {
                var actual = json[fields[i]!] ?? (fields[i] == "alarm_id" ? json["alarm_id"] : null);
                if (actual is null || !string.Equals(actual is JsonValue v && v.TryGetValue<string>(out var text) ? text : actual.ToJsonString(), values[i], StringComparison.OrdinalIgnoreCase))
                    matches = false;
            }
            if (matches)
                list.Add(json);
        }
        return JsonBody.Node(list);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, AlarmService alarms, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:create");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        return JsonBody.Node(await alarms.CreateAsync(body, caller, cancellationToken), StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, AlarmStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:get");
        return JsonBody.Node(JsonNode.Parse((await VisibleAsync(store, id, caller, cancellationToken)).Definition)!);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, AlarmStore store, AlarmService alarms, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:update");
        var alarm = await VisibleAsync(store, id, caller, cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        return JsonBody.Node(await alarms.ReplaceAsync(alarm, body, caller, cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, AlarmStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:delete");
        var alarm = await VisibleAsync(store, id, caller, cancellationToken);
        await store.DeleteAsync(alarm.Id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> GetStateAsync(string id, HttpContext context, AlarmStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:get");
        var alarm = await VisibleAsync(store, id, caller, cancellationToken);
        return JsonBody.Node(JsonValue.Create(alarm.State));
    }

    private static async Task<IResult> SetStateAsync(string id, HttpContext context, AlarmStore store, AlarmService alarms, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:update");
        var alarm = await VisibleAsync(store, id, caller, cancellationToken);
        using var reader = new StreamReader(context.Request.Body);
        var text = (await reader.ReadToEndAsync(cancellationToken)).Trim().Trim('"');
        if (!States.Contains(text))
            throw ApiFault.BadRequest($"Value should be one of: alarm, ok, insufficient data");
        await alarms.TransitionAsync(alarm, text, "Manually set via API", new JsonObject(), caller.UserId, notify: false, cancellationToken);
        return JsonBody.Node(JsonValue.Create(text));
    }

    private static async Task<IResult> HistoryAsync(string id, HttpContext context, AlarmStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:get");
        var alarm = await VisibleAsync(store, id, caller, cancellationToken);
        var list = new JsonArray();
        foreach (var row in await store.HistoryAsync(alarm.Id, 1000, cancellationToken))
        {
            list.Add(new JsonObject
            {
                ["event_id"] = row.EventId,
                ["alarm_id"] = row.AlarmId,
                ["type"] = row.Type,
                ["detail"] = row.Detail,
                ["timestamp"] = row.Timestamp,
                ["severity"] = row.Severity,
                ["project_id"] = row.ProjectId,
                ["on_behalf_of"] = row.ProjectId,
            });
        }
        return JsonBody.Node(list);
    }

    private static IResult Capabilities() => JsonBody.Node(new JsonObject
    {
        ["api"] = new JsonObject
        {
            ["alarms:query:simple"] = true, ["alarms:query:complex"] = true, ["alarms:history:query:simple"] = true, ["alarms:history:query:complex"] = false,
        },
        ["alarm_storage"] = new JsonObject { ["storage:production_ready"] = true },
    });

    private static async Task<IResult> QuotasAsync(HttpContext context, AlarmStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "alarm:get");
        var project = context.Request.Query("project_id") ?? caller.ProjectId;
        if (project != caller.ProjectId && !caller.IsAdmin())
            throw ApiFault.Forbidden("Only admins see other projects' quotas.");
        return JsonBody.Node(new JsonObject
        {
            ["project_id"] = project,
            ["quotas"] = new JsonArray(new JsonObject { ["resource"] = "alarms", ["limit"] = AlarmQuota, ["used"] = await store.CountAsync(project, cancellationToken) }),
        });
    }
}
