using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// <c>OS::Heat::ScalingPolicy</c>: a signal to it (its token-free <c>signal_url</c>/<c>alarm_url</c>, or
/// <c>resource signal</c>) resizes its AutoScalingGroup by <c>scaling_adjustment</c> as
/// <c>change_in_capacity</c>, <c>exact_capacity</c> or <c>percent_change_in_capacity</c>, within the
/// group's bounds and after <c>cooldown</c>.
/// </summary>
internal sealed class ScalingPolicyType : ResourceType, ISignalable
{
    public override string Name => "OS::Heat::ScalingPolicy";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["auto_scaling_group_id"] = new("string", Required: true, Description: "AutoScaling group ID to apply policy to."),
        ["adjustment_type"] = new("string", Required: true, UpdateAllowed: true, Description: "change_in_capacity, exact_capacity or percent_change_in_capacity."),
        ["scaling_adjustment"] = new("number", Required: true, UpdateAllowed: true, Description: "Size of adjustment."),
        ["cooldown"] = new("integer", UpdateAllowed: true, Description: "Cooldown period, in seconds."),
        ["min_adjustment_step"] = new("integer", UpdateAllowed: true, Description: "Minimum number of resources that are added or removed."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["alarm_url"] = "A signed url to handle the alarm.",
        ["signal_url"] = "A url to handle the alarm using native API.",
    };

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var type = properties["adjustment_type"]!.ToString();
        if (type is not ("change_in_capacity" or "exact_capacity" or "percent_change_in_capacity"))
            throw new ResourceFailure($"adjustment_type \"{type}\" is not one of change_in_capacity, exact_capacity, percent_change_in_capacity.");
        SignalUrl.For(context);
        Remember(context, properties);
        return Task.FromResult(context.Stamp);
    }

    private static void Remember(ResourceContext context, JsonObject properties)
    {
        context.Data["group"] = properties["auto_scaling_group_id"]!.ToString();
        context.Data["type"] = properties["adjustment_type"]!.ToString();
        context.Data["adjustment"] = properties["scaling_adjustment"]!.GetValue<double>();
        context.Data["cooldown"] = properties["cooldown"]?.GetValue<long>() ?? 0;
    }

    public override Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        Remember(context, after);
        return Task.CompletedTask;
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) =>
        Task.FromResult<JsonNode?>(name is "alarm_url" or "signal_url" ? SignalUrl.For(context) : null);

    public async Task SignalAsync(ResourceContext context, string physicalId, JsonObject details, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (context.Data["last_scaled"]?.GetValue<long>() is { } last && now - last < (context.Data["cooldown"]?.GetValue<long>() ?? 0))
            return; // In cooldown: Heat ignores the alarm.
        var group = context.Data["group"]!.ToString();
        var stacks = $"orchestration/v1/{context.ProjectId}/stacks";
        var template = await context.GetAsync($"{stacks}/{group}/template", cancellationToken) as JsonObject
            ?? throw new ResourceFailure($"The scaling group {group} could not be found.");
        var min = template["parameters"]!["min_size"]!["default"]!.GetValue<long>();
        var max = template["parameters"]!["max_size"]!["default"]!.GetValue<long>();
        var definition = template["parameters"]!["member_definition"]!["default"] as JsonObject ?? [];
        var current = (template["resources"] as JsonObject)?.Count ?? 0;
        var adjustment = context.Data["adjustment"]!.GetValue<double>();
        var wanted = context.Data["type"]!.ToString() switch
        {
            "exact_capacity" => (long)adjustment,
            "percent_change_in_capacity" => current + (long)Math.Round(current * adjustment / 100.0, MidpointRounding.AwayFromZero),
            _ => current + (long)adjustment,
        };
        var capacity = Math.Clamp(wanted, min, max);
        if (capacity == current)
            return;
        var lookup = await context.GetAsync($"{stacks}?show_nested=true&limit=1000", cancellationToken);
        var name = (lookup?["stacks"] as JsonArray)?.FirstOrDefault(s => s?["id"]?.ToString() == group)?["stack_name"]?.ToString() ?? group;
        await NestedStack.UpdateAsync(context, $"{name}/{group}", AutoScalingGroupType.Template(definition, min, max, capacity), [], null, cancellationToken);
        context.Data["last_scaled"] = now;
    }
}
