using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Aodh;

/// <summary><c>OS::Aodh::GnocchiResourcesAlarm</c>: a threshold on one metric of one Gnocchi resource.</summary>
internal sealed class GnocchiResourcesAlarmType : AlarmResource
{
    public override string Name => "OS::Aodh::GnocchiResourcesAlarm";

    public override string Description => "An Aodh alarm on a metric of one Gnocchi resource.";

    protected override string AlarmType => "gnocchi_resources_threshold";

    protected override IReadOnlyDictionary<string, PropertySchema> RuleProperties { get; } = new Dictionary<string, PropertySchema>
    {
        ["metric"] = new("string", Required: true, UpdateAllowed: true, Description: "The metric's name."),
        ["resource_type"] = new("string", Required: true, UpdateAllowed: true, Description: "The resource's type."),
        ["resource_id"] = new("string", Required: true, UpdateAllowed: true, Description: "The resource's id."),
        ["granularity"] = new("integer", UpdateAllowed: true, Description: "The time range in seconds of one aggregate."),
        ["aggregation_method"] = new("string", UpdateAllowed: true, Description: "The aggregation method compared with the threshold (mean, max, min, sum, count…)."),
    };

    protected override JsonObject Rule(ResourceContext context, JsonObject properties) =>
        AlarmRules.Copy(properties, "metric", "resource_type", "resource_id", "granularity", "aggregation_method");
}
