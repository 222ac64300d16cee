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

    /// <summary>The bounds, member definition and current size a group's nested template records.</summary>
    public static (long Min, long Max, JsonObject Definition, long Current) Shape(JsonObject template)
    {
        var parameters = template["parameters"] as JsonObject ?? throw new ResourceFailure("The scaling group's template has no parameters.");
        var min = parameters["min_size"]?["default"]?.GetValue<long>() ?? 0;
        var max = parameters["max_size"]?["default"]?.GetValue<long>() ?? 0;
        var definition = parameters["member_definition"]?["default"] as JsonObject ?? [];
        return (min, max, (JsonObject)definition.DeepClone(), (template["resources"] as JsonObject)?.Count ?? 0);
    }

    private static JsonObject Template(JsonObject properties, long? current)
    {
        var min = properties["min_size"]!.GetValue<long>();
        var max = properties["max_size"]!.GetValue<long>();
        var capacity = properties["desired_capacity"]?.GetValue<long>() ?? current ?? min;
        return Template(properties["resource"] as JsonObject ?? [], min, max, capacity);
    }

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken) =>
        NestedStack.CreateAsync(context, Template(properties, null), [], null, cancellationToken);

    public override Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.WaitAsync(context, physicalId, "CREATE", cancellationToken);

    /// <summary>
    /// As Heat: a changed <c>desired_capacity</c> sets the size; otherwise the group keeps the size its
    /// policies gave it, within the new bounds.
    /// </summary>
    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        long? current = null;
        if (!changed.Contains("desired_capacity") && await context.GetAsync($"orchestration/v1/{context.ProjectId}/stacks/{physicalId}/template", cancellationToken) is JsonObject template)
        {
            current = Shape(template).Current;
            after = (JsonObject)after.DeepClone();
            after.Remove("desired_capacity");
        }
        await NestedStack.UpdateAsync(context, physicalId, Template(after, current), [], null, cancellationToken);
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.DeleteAsync(context, physicalId, cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) => name switch
    {
        "current_size" or "refs" => await NestedStack.OutputAsync(context, physicalId, name, cancellationToken),
        "outputs" => await NestedStack.OutputsAsync(context, physicalId, cancellationToken),
        _ => null,
    };

    public override Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken) => NestedStack.FindAsync(context, cancellationToken);

    public override Task SuspendAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.ActionAsync(context, physicalId, "suspend", cancellationToken);

    public override Task ResumeAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.ActionAsync(context, physicalId, "resume", cancellationToken);

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        await NestedStack.ActionAsync(context, physicalId, "check", cancellationToken);
        return null;
    }

    public override string ReferenceId(string physicalId, JsonObject data) => physicalId.Split('/').Last();
}
