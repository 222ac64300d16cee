using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Aodh;

/// <summary>
/// <c>OS::Aodh::Alarm</c>, Heat's meter threshold alarm, on this cloud's Gnocchi: the meter is a metric
/// of the project's <c>instance</c> resources aggregated by the statistic over the period, and
/// <c>matching_metadata</c> selects the instances by their attributes (a key's <c>metadata.</c> or
/// <c>metadata.user_metadata.</c> prefix names the attribute Gnocchi indexes, e.g. <c>server_group</c>).
/// A new meter replaces the alarm; the rest changes in place.
/// </summary>
internal sealed class MeterAlarmType : AlarmResource
{
    public override string Name => "OS::Aodh::Alarm";

    public override string Description => "An Aodh threshold alarm on a meter of the project's instances.";

    protected override string AlarmType => "gnocchi_aggregation_by_resources_threshold";

    protected override IReadOnlyDictionary<string, PropertySchema> RuleProperties { get; } = new Dictionary<string, PropertySchema>
    {
        ["meter_name"] = new("string", Required: true, Description: "The meter (metric name) the alarm watches."),
        ["statistic"] = new("string", UpdateAllowed: true, Description: "The statistic compared with the threshold: count, avg, sum, min or max.", Default: "avg"),
        ["period"] = new("integer", UpdateAllowed: true, Description: "The period in seconds to evaluate over.", Default: 60),
        ["matching_metadata"] = new("map", UpdateAllowed: true, Description: "Attributes the watched instances must have."),
    };

    protected override JsonObject Rule(ResourceContext context, JsonObject properties)
    {
        var statistic = properties["statistic"]?.ToString() ?? "avg";
        var conditions = new JsonArray();
        foreach (var (key, value) in (properties["matching_metadata"] as JsonObject ?? []).Take(50))
        {
            var attribute = key.StartsWith("metadata.user_metadata.", StringComparison.Ordinal) ? key["metadata.user_metadata.".Length..]
                : key.StartsWith("metadata.", StringComparison.Ordinal) ? key["metadata.".Length..] : key;
            conditions.Add(new JsonObject { ["="] = new JsonObject { [attribute] = Templates.TemplateFunctions.PlainText(value) } });
        }
        var rule = new JsonObject
        {
            ["metric"] = properties["meter_name"]!.ToString(),
            ["resource_type"] = "instance",
            ["granularity"] = properties["period"]?.GetValue<long>() ?? 60,
            ["aggregation_method"] = statistic switch
            {
                "avg" => "mean",
                "count" or "sum" or "min" or "max" => statistic,
                _ => throw new ResourceFailure($"statistic must be one of count, avg, sum, min, max, not {statistic}."),
            },
        };
        rule["query"] = conditions.Count switch
        {
            0 => "",
            1 => conditions[0]!.ToJsonString(),
            _ => new JsonObject { ["and"] = conditions }.ToJsonString(),
        };
        return rule;
    }
}
