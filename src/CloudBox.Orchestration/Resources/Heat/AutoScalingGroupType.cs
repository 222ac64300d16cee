using System.Globalization;
using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// <c>OS::Heat::AutoScalingGroup</c>: a nested stack of <c>desired_capacity</c> members (<c>m0</c>, <c>m1</c>…)
/// of <c>resource</c>, between <c>min_size</c> and <c>max_size</c>. The nested template carries the
/// bounds and the member definition as parameters, so a scaling policy resizes it from the template alone.
/// </summary>
internal sealed class AutoScalingGroupType : ResourceType
{
    public override string Name => "OS::Heat::AutoScalingGroup";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["resource"] = new("map", Required: true, UpdateAllowed: true, Description: "Resource definition for the resources in the group, in HOT format."),
        ["min_size"] = new("integer", Required: true, UpdateAllowed: true, Description: "Minimum number of resources in the group."),
        ["max_size"] = new("integer", Required: true, UpdateAllowed: true, Description: "Maximum number of resources in the group."),
        ["desired_capacity"] = new("integer", UpdateAllowed: true, Description: "Desired initial number of resources."),
        ["cooldown"] = new("integer", UpdateAllowed: true, Description: "Cooldown period, in seconds."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["current_size"] = "The current size of AutoscalingResourceGroup.",
        ["refs"] = "A list of resource IDs for the resources in the group.",
        ["outputs"] = "A map of resource names to the specified attribute of each individual resource.",
    };

    public static JsonObject Template(JsonObject definition, long min, long max, long capacity)
    {
        if (min < 0 || max < min || max > ResourceGroupType.MaxCount)
            throw new ResourceFailure($"min_size and max_size must satisfy 0 <= min_size <= max_size <= {ResourceGroupType.MaxCount}.");
        capacity = Math.Clamp(capacity, min, max);
        var resources = new JsonObject();
        var refs = new JsonArray();
        for (var i = 0; i < capacity; i++)
        {
            var name = "m" + i.ToString(CultureInfo.InvariantCulture);
            resources[name] = definition.DeepClone();
            refs.Add(new JsonObject { ["get_resource"] = name });
        }
        return new JsonObject
        {
            ["heat_template_version"] = "2016-04-08",
            ["parameters"] = new JsonObject
            {
                ["min_size"] = new JsonObject { ["type"] = "number", ["default"] = min },
                ["max_size"] = new JsonObject { ["type"] = "number", ["default"] = max },
                ["member_definition"] = new JsonObject { ["type"] = "json", ["default"] = definition.DeepClone() },
            },
            ["resources"] = resources,
            ["outputs"] = new JsonObject { ["refs"] = new JsonObject { ["value"] = refs }, ["current_size"] = new JsonObject { ["value"] = capacity } },
        };
    }

    private static JsonObject Template(JsonObject properties)
    {
        var min = properties["min_size"]!.GetValue<long>();
        var max = properties["max_size"]!.GetValue<long>();
        return Template(properties["resource"] as JsonObject ?? [], min, max, properties["desired_capacity"]?.GetValue<long>() ?? min);
    }

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken) =>
        NestedStack.CreateAsync(context, Template(properties), [], null, cancellationToken);

    public override Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.WaitAsync(context, physicalId, "CREATE", cancellationToken);

    public override Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken) =>
        NestedStack.UpdateAsync(context, physicalId, Template(after), [], null, cancellationToken);

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.DeleteAsync(context, physicalId, cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) => name switch
    {
        "current_size" or "refs" => await NestedStack.OutputAsync(context, physicalId, name, cancellationToken),
        "outputs" => await NestedStack.OutputsAsync(context, physicalId, cancellationToken),
        _ => null,
    };

    public override Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken) => NestedStack.FindAsync(context, cancellationToken);

    public override string ReferenceId(string physicalId, JsonObject data) => physicalId.Split('/').Last();
}
