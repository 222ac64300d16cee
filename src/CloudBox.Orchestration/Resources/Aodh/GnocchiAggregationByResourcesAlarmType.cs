using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Aodh;

/// <summary>
/// <c>OS::Aodh::GnocchiAggregationByResourcesAlarm</c>: a threshold on one metric aggregated across
/// the Gnocchi resources a query finds (an autoscaling group's servers by their <c>server_group</c>).
/// </summary>
internal sealed class GnocchiAggregationByResourcesAlarmType : AlarmResource
{
    public override string Name => "OS::Aodh::GnocchiAggregationByResourcesAlarm";

    public override string Description => "An Aodh alarm on a metric aggregated across the Gnocchi resources a query finds.";

    protected override string AlarmType => "gnocchi_aggregation_by_resources_threshold";

    protected override IReadOnlyDictionary<string, PropertySchema> RuleProperties { get; } = new Dictionary<string, PropertySchema>
    {
        ["metric"] = new("string", Required: true, UpdateAllowed: true, Description: "The metric's name."),
        ["resource_type"] = new("string", Required: true, UpdateAllowed: true, Description: "The type of the resources searched."),
        ["query"] = new("string", Required: true, UpdateAllowed: true, Description: "The Gnocchi search (JSON) that selects the resources."),
        ["granularity"] = new("integer", UpdateAllowed: true, Description: "The time range in seconds of one aggregate."),
        ["aggregation_method"] = new("string", UpdateAllowed: true, Description: "The aggregation method compared with the threshold (mean, max, min, sum, count…)."),
    };

    protected override JsonObject Rule(ResourceContext context, JsonObject properties)
    {
        var rule = AlarmRules.Copy(properties, "metric", "resource_type", "granularity", "aggregation_method");
        rule["query"] = properties["query"] is JsonValue text ? text.ToString() : properties["query"]?.ToJsonString();
        return rule;
    }
}
