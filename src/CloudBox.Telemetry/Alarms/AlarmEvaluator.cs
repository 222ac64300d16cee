using System.Globalization;
using System.Text.Json.Nodes;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Search;
using CloudBox.Telemetry.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Alarms;

/// <summary>
/// Aodh's evaluator for the Gnocchi threshold alarms and composites of them: each interval, the last
/// <c>evaluation_periods</c> aggregates (across the rule's metrics with its aggregation method)
/// against the threshold: all breaching is <c>alarm</c>, none <c>ok</c>, too few points
/// <c>insufficient data</c>; a change (or any evaluation with repeat_actions) runs the actions.
/// </summary>
internal sealed partial class AlarmEvaluator(AlarmStore store, AlarmService alarms, MetricStore metrics, ResourceStore resources, ResourceService resourceService,
    MeasureService measures, TelemetrySettings settings, TimeProvider clock, ILogger<AlarmEvaluator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.EvaluationInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await EvaluateAllAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error);
            }
        }
    }

    public async Task EvaluateAllAsync(CancellationToken cancellationToken)
    {
        foreach (var alarm in await store.ListAsync(null, enabledOnly: true, cancellationToken))
        {
            if (!alarm.Type.StartsWith("gnocchi", StringComparison.Ordinal) && alarm.Type != "composite")
                continue;
            try
            {
                await EvaluateAsync(alarm, cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogAlarmFailed(error, alarm.Id);
            }
        }
    }

    /// <summary>What one threshold rule says now: a state (null when its periods disagree, which keeps the alarm's), why, and the figures.</summary>
    internal sealed record RuleResult(string? State, string Reason, int Count, double? MostRecent, bool? LatestBreaches);

    private async Task EvaluateAsync(AlarmRecord alarm, CancellationToken cancellationToken)
    {
        var definition = JsonNode.Parse(alarm.Definition)!.AsObject();
        var repeat = definition["repeat_actions"]?.GetValue<bool>() == true;
        if (alarm.Type == "composite")
        {
            var composite = await EvaluateCompositeAsync(alarm, definition["composite_rule"], cancellationToken);
            var state = composite.Value switch { true => "alarm", false => "ok", null => "insufficient data" };
            var reason = $"Composite rule alarm with composition form: {composite.Expression} transition to {state}";
            var reasonData = new JsonObject { ["type"] = "composite", ["composition_form"] = composite.Expression };
            await alarms.TransitionAsync(alarm, state, reason, reasonData, null, notify: true, cancellationToken, repeat);
            return;
        }
        var rule = definition[alarm.Type + "_rule"]!.AsObject();
        var result = await EvaluateRuleAsync(alarm, alarm.Type, rule, cancellationToken);
        if (result.State is null)
            return;
        var data = new JsonObject
        {
            ["type"] = "threshold",
            ["disposition"] = result.State == "alarm" ? "outside" : result.State == "ok" ? "inside" : "unknown",
            ["count"] = result.Count,
            ["most_recent"] = result.MostRecent,
        };
        await alarms.TransitionAsync(alarm, result.State, result.Reason, data, null, notify: true, cancellationToken, repeat);
    }

    /// <summary>
    /// A composite rule in three-valued logic: a threshold leaf is true in <c>alarm</c>, false in
    /// <c>ok</c> (a leaf whose periods disagree counts by its latest period), unknown without
    /// enough data; <c>and</c> is false if any part is false, <c>or</c> true if any part is true,
    /// else unknown when any part is. True is <c>alarm</c>, false <c>ok</c>, unknown <c>insufficient data</c>.
    /// </summary>
    internal async Task<(bool? Value, string Expression)> EvaluateCompositeAsync(AlarmRecord alarm, JsonNode? rule, CancellationToken cancellationToken)
    {
        if (rule is not JsonObject node)
            return (null, "?");
        foreach (var op in new[] { "and", "or" })
        {
            if (node[op] is not JsonArray parts)
                continue;
            var values = new List<bool?>();
            var expressions = new List<string>();
            foreach (var part in parts)
            {
                var (value, expression) = await EvaluateCompositeAsync(alarm, part, cancellationToken);
                values.Add(value);
                expressions.Add(expression);
            }
            bool? result = op == "and"
                ? values.Any(v => v == false) ? false : values.Any(v => v is null) ? null : true
                : values.Any(v => v == true) ? true : values.Any(v => v is null) ? null : false;
            return (result, "(" + string.Join($" {op} ", expressions) + ")");
        }
        var type = node["type"]?.GetValue<string>() ?? "";
        var leaf = await EvaluateRuleAsync(alarm, type, node, cancellationToken);
        var state = leaf.State ?? (leaf.LatestBreaches is { } breaches ? breaches ? "alarm" : "ok" : null);
        var label = $"{type}:{node["metric"]?.GetValue<string>() ?? string.Join(",", (node["metrics"] as JsonArray ?? []).Select(m => m?.ToString()))}";
        return (state switch { "alarm" => true, "ok" => false, _ => null }, $"[{label} {state ?? "insufficient data"}]");
    }

    internal async Task<RuleResult> EvaluateRuleAsync(AlarmRecord alarm, string type, JsonObject rule, CancellationToken cancellationToken)
    {
        var granularity = (long)(Number(rule["granularity"]) * ArchivePolicy.NanosPerSecond);
        var periods = (int)Number(rule["evaluation_periods"]);
        var method = rule["aggregation_method"]!.GetValue<string>();
        var threshold = Number(rule["threshold"]);
        var op = rule["comparison_operator"]!.GetValue<string>();
        var targets = await MetricsOfAsync(alarm, type, rule, cancellationToken);
        var now = GnocchiTime.ToNanos(clock.GetUtcNow());
        var start = now - granularity * (periods + 1);
        // The targets' series in a few batched queries; a metric whose policy lacks the method or the granularity is left out.
        var reads = new List<(MetricRecord Metric, ArchivePolicy Policy, string Aggregation)>();
        foreach (var metric in targets)
        {
            ArchivePolicy policy;
            try
            {
                policy = await measures.PolicyOfAsync(metric, cancellationToken);
            }
            catch (CloudBox.Core.Api.ApiFault)
            {
                continue;
            }
            if (policy.HasMethod(method) && policy.ItemFor(granularity) is not null)
                reads.Add((metric, policy, method));
        }
        var byTime = new SortedDictionary<long, List<double>>();
        foreach (var points in await measures.ReadManyAsync(reads, granularity, start, null, cancellationToken))
        {
            foreach (var point in points)
            {
                if (!byTime.TryGetValue(point.Timestamp, out var list))
                    byTime[point.Timestamp] = list = [];
                list.Add(point.Value);
            }
        }
        var aggregation = AggregationMethod.Parse(method.StartsWith("rate:", StringComparison.Ordinal) ? method[5..] : method);
        var scratch = new double[Math.Max(16, targets.Count)];
        var values = byTime.Values.Select(v => aggregation.Compute(v.ToArray(), scratch)).Where(v => !double.IsNaN(v)).ToList();
        var recent = values.Skip(Math.Max(0, values.Count - periods)).ToList();
        if (recent.Count < periods)
            return new RuleResult("insufficient data", $"{recent.Count} datapoints are unknown", recent.Count, recent.Count > 0 ? recent[^1] : null, null);
        var breaching = recent.Count(v => Compare(v, op, threshold));
        var latest = recent[^1];
        var mostRecent = latest.ToString(CultureInfo.InvariantCulture);
        if (breaching == recent.Count)
            return new RuleResult("alarm", $"Transition to alarm due to {recent.Count} samples outside threshold, most recent: {mostRecent}", recent.Count, latest, true);
        if (breaching == 0)
            return new RuleResult("ok", $"Transition to ok due to {recent.Count} samples inside threshold, most recent: {mostRecent}", recent.Count, latest, false);
        return new RuleResult(null, "", recent.Count, latest, Compare(latest, op, threshold));
    }

    private async Task<List<MetricRecord>> MetricsOfAsync(AlarmRecord alarm, string type, JsonObject rule, CancellationToken cancellationToken)
    {
        switch (type)
        {
            case "gnocchi_aggregation_by_metrics_threshold":
            {
                var ids = (rule["metrics"] as JsonArray ?? []).Select(m => m!.GetValue<string>()).ToList();
                return [.. await metrics.FindManyAsync(ids, cancellationToken)];
            }
            case "gnocchi_resources_threshold":
            {
                var resourceId = rule["resource_id"]?.GetValue<string>() ?? "";
                var resource = await resources.FindAsync(Guid.TryParse(resourceId, out var g) ? g.ToString() : TelemetryCaller.ResourceUuid(resourceId, $"{alarm.UserId}:{alarm.ProjectId}"), cancellationToken);
                if (resource is null)
                    return [];
                var metric = await metrics.FindNamedAsync(resource.Id, rule["metric"]?.GetValue<string>() ?? "", cancellationToken);
                return metric is null ? [] : [metric];
            }
            default:
            {
                var filter = rule["query"] is JsonValue query && query.TryGetValue<string>(out var text) && text.Length > 0 ? JsonNode.Parse(text) : rule["query"]?.DeepClone();
                ResourceFilter.Validate(filter);
                var (found, byResource) = await resourceService.SearchWithMetricsAsync(rule["resource_type"]?.GetValue<string>() ?? "generic", filter, alarm.ProjectId, cancellationToken);
                var name = rule["metric"]?.GetValue<string>() ?? "";
                return [.. found.SelectMany(r => byResource[r["id"]!.GetValue<string>()]).Where(m => m.Name == name)];
            }
        }
    }

    private static double Number(JsonNode? node) => node is null ? 0 : double.Parse(node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString(), CultureInfo.InvariantCulture);

    private static bool Compare(double value, string op, double threshold) => op switch
    {
        "lt" => value < threshold,
        "le" => value <= threshold,
        "gt" => value > threshold,
        "ge" => value >= threshold,
        "ne" => value != threshold,
        _ => value == threshold,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evaluating alarms failed")]
    private partial void LogFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evaluating alarm {AlarmId} failed")]
    private partial void LogAlarmFailed(Exception error, string alarmId);
}
