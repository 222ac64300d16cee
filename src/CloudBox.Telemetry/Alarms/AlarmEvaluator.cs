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
/// Aodh's evaluator for the Gnocchi threshold alarms: each interval, the last
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
            if (!alarm.Type.StartsWith("gnocchi", StringComparison.Ordinal))
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

    private async Task EvaluateAsync(AlarmRecord alarm, CancellationToken cancellationToken)
    {
        var definition = JsonNode.Parse(alarm.Definition)!.AsObject();
        var rule = definition[alarm.Type + "_rule"]!.AsObject();
        var granularity = (long)(Number(rule["granularity"]) * ArchivePolicy.NanosPerSecond);
        var periods = (int)Number(rule["evaluation_periods"]);
        var method = rule["aggregation_method"]!.GetValue<string>();
        var threshold = Number(rule["threshold"]);
        var op = rule["comparison_operator"]!.GetValue<string>();
        var targets = await MetricsOfAsync(alarm, rule, cancellationToken);
        var now = GnocchiTime.ToNanos(clock.GetUtcNow());
        var start = now - granularity * (periods + 1);
        var byTime = new SortedDictionary<long, List<double>>();
        foreach (var metric in targets)
        {
            List<(long Granularity, List<MeasurePoint> Points)> series;
            try
            {
                series = await measures.ReadAsync(metric, method, start, null, granularity, null, false, cancellationToken);
            }
            catch (CloudBox.Core.Api.ApiFault)
            {
                continue;
            }
            foreach (var point in series[0].Points)
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
        string state;
        string reason;
        if (recent.Count < periods)
        {
            state = "insufficient data";
            reason = $"{recent.Count} datapoints are unknown";
        }
        else
        {
            var breaching = recent.Count(v => Compare(v, op, threshold));
            if (breaching == recent.Count)
            {
                state = "alarm";
                reason = $"Transition to alarm due to {recent.Count} samples outside threshold, most recent: {recent[^1].ToString(CultureInfo.InvariantCulture)}";
            }
            else if (breaching == 0)
            {
                state = "ok";
                reason = $"Transition to ok due to {recent.Count} samples inside threshold, most recent: {recent[^1].ToString(CultureInfo.InvariantCulture)}";
            }
            else
            {
                return;
            }
        }
        var reasonData = new JsonObject
        {
            ["type"] = "threshold",
            ["disposition"] = state == "alarm" ? "outside" : state == "ok" ? "inside" : "unknown",
            ["count"] = recent.Count,
            ["most_recent"] = recent.Count > 0 ? recent[^1] : null,
        };
        var repeat = definition["repeat_actions"]?.GetValue<bool>() == true;
        await alarms.TransitionAsync(alarm, state, reason, reasonData, null, notify: true, cancellationToken, repeat);
    }

    private async Task<List<MetricRecord>> MetricsOfAsync(AlarmRecord alarm, JsonObject rule, CancellationToken cancellationToken)
    {
        switch (alarm.Type)
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
                var found = await resourceService.SearchAsync(rule["resource_type"]?.GetValue<string>() ?? "generic", filter, alarm.ProjectId, [], null, ResourceStore.MaxCandidates, cancellationToken);
                var name = rule["metric"]?.GetValue<string>() ?? "";
                var all = await metrics.ListForResourcesAsync([.. found.Select(r => r["id"]!.GetValue<string>())], cancellationToken);
                return [.. all.Where(m => m.Name == name)];
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
