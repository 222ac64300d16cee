using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Api;

/// <summary>Gnocchi's JSON shapes for policies, rules, metrics, resources and measures.</summary>
internal static class GnocchiJson
{
    public static JsonObject Policy(ArchivePolicy policy)
    {
        var definition = new JsonArray();
        foreach (var item in policy.Definition.OrderBy(i => i.GranularityNs))
        {
            definition.Add(new JsonObject
            {
                ["granularity"] = GnocchiTime.FormatSpan(item.GranularityNs),
                ["points"] = item.Points,
                ["timespan"] = GnocchiTime.FormatSpan(item.TimespanNs),
            });
        }
        var methods = new JsonArray();
        foreach (var method in policy.AggregationMethods)
            methods.Add(method);
        return new JsonObject
        {
            ["name"] = policy.Name,
            ["back_window"] = policy.BackWindow,
            ["definition"] = definition,
            ["aggregation_methods"] = methods,
        };
    }

    public static JsonObject Rule(ArchivePolicyRule rule) => new()
    {
        ["name"] = rule.Name,
        ["metric_pattern"] = rule.MetricPattern,
        ["archive_policy_name"] = rule.ArchivePolicyName,
    };

    public static void AddCreator(JsonObject target, string? creator)
    {
        target["creator"] = creator;
        if (creator is null)
        {
            target["created_by_user_id"] = null;
            target["created_by_project_id"] = null;
            return;
        }
        var colon = creator.IndexOf(':');
        target["created_by_user_id"] = colon < 0 ? creator : creator[..colon];
        target["created_by_project_id"] = colon < 0 ? "" : creator[(colon + 1)..];
    }

    public static JsonObject Metric(MetricRecord metric, ArchivePolicy? policy, JsonObject? resource = null, bool withResource = false)
    {
        var json = new JsonObject
        {
            ["id"] = metric.Id,
            ["archive_policy"] = policy is null ? new JsonObject { ["name"] = metric.ArchivePolicyName } : Policy(policy),
            ["archive_policy_name"] = metric.ArchivePolicyName,
            ["name"] = metric.Name,
            ["unit"] = metric.Unit,
            ["resource_id"] = metric.ResourceId,
        };
        AddCreator(json, metric.Creator);
        if (withResource)
            json["resource"] = resource;
        return json;
    }

    public static JsonObject Resource(ResourceRecord resource, IEnumerable<MetricRecord> metrics)
    {
        var json = new JsonObject
        {
            ["id"] = resource.Id,
            ["type"] = resource.Type,
            ["project_id"] = resource.ProjectId,
            ["user_id"] = resource.UserId,
            ["original_resource_id"] = resource.OriginalResourceId,
            ["started_at"] = resource.StartedAt,
            ["ended_at"] = resource.EndedAt,
            ["revision_start"] = resource.RevisionStart,
            ["revision_end"] = null,
        };
        AddCreator(json, resource.Creator);
        var metricMap = new JsonObject();
        foreach (var metric in metrics)
        {
            if (metric.Name is not null)
                metricMap[metric.Name] = metric.Id;
        }
        json["metrics"] = metricMap;
        foreach (var (name, value) in JsonNode.Parse(resource.Attributes)!.AsObject())
            json[name] = value?.DeepClone();
        return json;
    }

    /// <summary>Measures as <c>[timestamp, granularity in seconds, value]</c> items of the array being written.</summary>
    public static void WriteMeasures(Utf8JsonWriter writer, List<MeasurePoint> points, long granularity)
    {
        var seconds = GnocchiTime.Seconds(granularity);
        foreach (var point in points)
            WriteMeasure(writer, point.Timestamp, seconds, point.Value);
    }

    /// <summary>One <c>[timestamp, granularity in seconds, value]</c>; a value that is not a finite number is null.</summary>
    public static void WriteMeasure(Utf8JsonWriter writer, long timestamp, double seconds, double value)
    {
        Span<byte> text = stackalloc byte[GnocchiTime.MeasureJsonLength];
        writer.WriteStartArray();
        writer.WriteRawValue(text[..GnocchiTime.FormatMeasureJson(timestamp, text)], skipInputValidation: true);
        writer.WriteNumberValue(seconds);
        if (double.IsFinite(value))
            writer.WriteNumberValue(value);
        else
            writer.WriteNullValue();
        writer.WriteEndArray();
    }

    public static JsonNode? Number(double value) => double.IsNaN(value) ? null : JsonValue.Create(value);
}
