using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Telemetry.Api;

namespace CloudBox.Telemetry.Alarms;

/// <summary>Creating and changing alarms (Aodh's defaults and checks), and state transitions with history and actions.</summary>
internal sealed class AlarmService(AlarmStore store, AlarmNotifier notifier, TimeProvider clock)
{
    private string Now() => clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Normalise(JsonObject body, CallerContext caller, JsonObject? existing)
    {
        var alarm = existing?.DeepClone().AsObject() ?? new JsonObject();
        foreach (var (field, value) in body)
            alarm[field] = value?.DeepClone();
        var type = alarm["type"]?.GetValue<string>() ?? throw ApiFault.BadRequest("Mandatory field missing: type");
        if (!AlarmEndpoints.Types.Contains(type))
            throw ApiFault.BadRequest($"Value should be one of: {string.Join(", ", AlarmEndpoints.Types.Order())}");
        var name = alarm["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
            throw ApiFault.BadRequest("Mandatory field missing: name");
        if (alarm[type + "_rule"] is not JsonObject rule)
            throw ApiFault.BadRequest($"{type}_rule must be set for {type} type alarm");
        if (type.StartsWith("gnocchi", StringComparison.Ordinal))
            NormaliseThreshold(rule);
        else if (type == "composite")
            NormaliseComposite(rule, 0);
        else if (type == "event")
            NormaliseEvent(rule);
        foreach (var key in alarm.Select(p => p.Key).Where(k => k.EndsWith("_rule", StringComparison.Ordinal) && k != type + "_rule").ToList())
            alarm.Remove(key);
        alarm["enabled"] ??= true;
        alarm["repeat_actions"] ??= false;
        alarm["severity"] ??= "low";
        if (alarm["severity"]!.GetValue<string>() is not ("low" or "moderate" or "critical"))
            throw ApiFault.BadRequest("Value should be one of: low, moderate, critical");
        alarm["description"] ??= $"Alarm when {name} is {rule["comparison_operator"]?.GetValue<string>() ?? "triggered"}";
        alarm["alarm_actions"] ??= new JsonArray();
        alarm["ok_actions"] ??= new JsonArray();
        alarm["insufficient_data_actions"] ??= new JsonArray();
        alarm["time_constraints"] ??= new JsonArray();
        alarm["state"] ??= "insufficient data";
        if (!AlarmEndpoints.States.Contains(alarm["state"]!.GetValue<string>()))
            throw ApiFault.BadRequest("Value should be one of: alarm, ok, insufficient data");
        alarm["state_reason"] ??= "Not evaluated yet";
        if (!caller.IsAdmin() || alarm["project_id"] is null)
            alarm["project_id"] = caller.ProjectId;
        if (!caller.IsAdmin() || alarm["user_id"] is null)
            alarm["user_id"] = caller.UserId;
        foreach (var actions in new[] { "alarm_actions", "ok_actions", "insufficient_data_actions" })
        {
            foreach (var action in alarm[actions]!.AsArray())
            {
                var url = action?.GetValue<string>() ?? "";
                if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https" or "log" or "trust+http" or "trust+https" or "test"))
                    throw ApiFault.BadRequest($"Unsupported action {url}");
            }
        }
        return alarm;
    }

    private static void NormaliseThreshold(JsonObject rule)
    {
        if (rule["threshold"] is null)
            throw ApiFault.BadRequest("Mandatory field missing: threshold");
        rule["comparison_operator"] ??= "eq";
        rule["evaluation_periods"] ??= 1;
        rule["granularity"] ??= 60;
        rule["aggregation_method"] ??= "mean";
        if (rule["comparison_operator"] is not JsonValue op || !op.TryGetValue<string>(out var text) || text is not ("lt" or "le" or "eq" or "ne" or "ge" or "gt"))
            throw ApiFault.BadRequest("Value should be one of: lt, le, eq, ne, ge, gt");
    }

    /// <summary>Aodh's composite rule: <c>{"and"|"or": [rule, …]}</c> nested, whose leaves are Gnocchi threshold rules with their <c>type</c>.</summary>
    private static void NormaliseComposite(JsonObject rule, int depth)
    {
        if (depth > 10)
            throw ApiFault.BadRequest("Invalid input for field/attribute composite_rule: nested too deeply");
        var ops = rule.Where(p => p.Key is "and" or "or").ToList();
        if (ops.Count > 0)
        {
            if (ops.Count != 1 || rule.Count != 1 || ops[0].Value is not JsonArray { Count: > 0 } parts)
                throw ApiFault.BadRequest("Invalid input for field/attribute composite_rule: an \"and\" or \"or\" takes one non-empty list of rules");
            foreach (var part in parts)
            {
                if (part is not JsonObject child)
                    throw ApiFault.BadRequest("Invalid input for field/attribute composite_rule: each rule is an object");
                NormaliseComposite(child, depth + 1);
            }
            return;
        }
        var type = rule["type"] is JsonValue t && t.TryGetValue<string>(out var text) ? text : null;
        if (type is null || !type.StartsWith("gnocchi", StringComparison.Ordinal) || !AlarmEndpoints.Types.Contains(type))
            throw ApiFault.BadRequest("Invalid input for field/attribute composite_rule: a rule's type is one of gnocchi_aggregation_by_metrics_threshold, gnocchi_aggregation_by_resources_threshold, gnocchi_resources_threshold");
        NormaliseThreshold(rule);
    }

    /// <summary>Aodh's event rule: an <c>event_type</c> (wildcards allowed, <c>*</c> by default) and a query on the event's traits.</summary>
    private static void NormaliseEvent(JsonObject rule)
    {
        rule["event_type"] ??= "*";
        if (rule["event_type"] is not JsonValue eventType || !eventType.TryGetValue<string>(out _))
            throw ApiFault.BadRequest("Invalid input for field/attribute event_type: a string");
        rule["query"] ??= new JsonArray();
        if (rule["query"] is not JsonArray query)
            throw ApiFault.BadRequest("Invalid input for field/attribute query: a list of {field, op, value}");
        foreach (var item in query)
        {
            if (item is not JsonObject condition || condition["field"] is not JsonValue || condition["value"] is null)
                throw ApiFault.BadRequest("Invalid input for field/attribute query: each item has a field and a value");
            condition["op"] ??= "eq";
            if (condition["op"]!.ToString() is not ("lt" or "le" or "eq" or "ne" or "ge" or "gt"))
                throw ApiFault.BadRequest("Invalid input for field/attribute op: one of lt, le, eq, ne, ge, gt");
        }
    }

    public async Task<JsonObject> CreateAsync(JsonObject body, CallerContext caller, CancellationToken cancellationToken)
    {
        if (caller.ProjectId is not null && await store.CountAsync(caller.ProjectId, cancellationToken) >= AlarmEndpoints.AlarmQuota)
            throw ApiFault.Forbidden("Alarm quota exceeded");
        var alarm = Normalise(body, caller, null);
        var now = Now();
        var id = Guid.NewGuid().ToString();
        alarm["alarm_id"] = id;
        alarm["timestamp"] = now;
        alarm["state_timestamp"] = now;
        var record = ToRecord(alarm, now);
        await store.InsertAsync(record, cancellationToken);
        await store.AddHistoryAsync(record, "creation", alarm, now, cancellationToken);
        return alarm;
    }

    public async Task<JsonObject> ReplaceAsync(AlarmRecord existing, JsonObject body, CallerContext caller, CancellationToken cancellationToken)
    {
        var before = JsonNode.Parse(existing.Definition)!.AsObject();
        var alarm = Normalise(body, caller, before);
        var now = Now();
        alarm["alarm_id"] = existing.Id;
        alarm["timestamp"] = now;
        if (alarm["state"]!.GetValue<string>() != existing.State)
            alarm["state_timestamp"] = now;
        var record = ToRecord(alarm, now);
        await store.UpdateAsync(record, cancellationToken);
        await store.AddHistoryAsync(record, "rule change", alarm, now, cancellationToken);
        return alarm;
    }

    private static AlarmRecord ToRecord(JsonObject alarm, string now) => new()
    {
        Id = alarm["alarm_id"]!.GetValue<string>(),
        ProjectId = alarm["project_id"]?.GetValue<string>(),
        UserId = alarm["user_id"]?.GetValue<string>(),
        Name = alarm["name"]!.GetValue<string>(),
        Type = alarm["type"]!.GetValue<string>(),
        State = alarm["state"]!.GetValue<string>(),
        Enabled = alarm["enabled"]!.GetValue<bool>(),
        Definition = alarm.ToJsonString(),
        StateTimestamp = alarm["state_timestamp"]!.GetValue<string>(),
        UpdatedAt = now,
    };

    /// <summary>
    /// Records a new state (or, with <paramref name="repeat"/>, the same one again) and runs the
    /// state's actions when <paramref name="notify"/>: a change is in the history.
    /// </summary>
    public async Task TransitionAsync(AlarmRecord record, string state, string reason, JsonObject reasonData, string? by, bool notify, CancellationToken cancellationToken, bool repeat = false)
    {
        var alarm = JsonNode.Parse(record.Definition)!.AsObject();
        var previous = record.State;
        var now = Now();
        if (previous != state)
        {
            alarm["state"] = state;
            alarm["state_timestamp"] = now;
            alarm["state_reason"] = reason;
            record.State = state;
            record.StateTimestamp = now;
            record.Definition = alarm.ToJsonString();
            record.UpdatedAt = now;
            await store.UpdateAsync(record, cancellationToken);
            await store.AddHistoryAsync(record, "state transition",
                new JsonObject { ["state"] = state, ["transition_reason"] = reason }, now, cancellationToken);
        }
        else if (!repeat)
        {
            return;
        }
        if (!notify)
            return;
        var actions = alarm[state switch { "alarm" => "alarm_actions", "ok" => "ok_actions", _ => "insufficient_data_actions" }] as JsonArray ?? [];
        foreach (var action in actions)
        {
            var body = new JsonObject
            {
                ["alarm_name"] = record.Name,
                ["alarm_id"] = record.Id,
                ["severity"] = alarm["severity"]?.GetValue<string>(),
                ["previous"] = previous,
                ["current"] = state,
                ["reason"] = reason,
                ["reason_data"] = reasonData.DeepClone(),
            };
            notifier.Enqueue(action!.GetValue<string>(), body);
        }
    }
}
