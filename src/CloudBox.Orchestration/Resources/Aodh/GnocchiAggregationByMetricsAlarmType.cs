using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Aodh;

/// <summary><c>OS::Aodh::GnocchiAggregationByMetricsAlarm</c>: a threshold on metrics (by id) aggregated together.</summary>
internal sealed class GnocchiAggregationByMetricsAlarmType : AlarmResource
{
    public override string Name => "OS::Aodh::GnocchiAggregationByMetricsAlarm";

    public override string Description => "An Aodh alarm on Gnocchi metrics aggregated together.";

    protected override string AlarmType => "gnocchi_aggregation_by_metrics_threshold";

    protected override IReadOnlyDictionary<string, PropertySchema> RuleProperties { get; } = new Dictionary<string, PropertySchema>
    {
        ["metrics"] = new("list", Required: true, UpdateAllowed: true, Description: "The ids of the metrics."),
        ["granularity"] = new("integer", UpdateAllowed: true, Description: "The time range in seconds of one aggregate."),
        ["aggregation_method"] = new("string", UpdateAllowed: true, Description: "The aggregation method compared with the threshold (mean, max, min, sum, count…)."),
    };

    protected override JsonObject Rule(ResourceContext context, JsonObject properties)
    {
        var rule = AlarmRules.Copy(properties, "granularity", "aggregation_method");
        rule["metrics"] = new JsonArray([.. (properties["metrics"] as JsonArray ?? []).Take(100).Select(m => (JsonNode?)JsonValue.Create(m?.ToString() ?? ""))]);
        return rule;
    }
}
