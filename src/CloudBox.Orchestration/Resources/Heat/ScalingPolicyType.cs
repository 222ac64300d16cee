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
        context.Data["min_step"] = properties["min_adjustment_step"]?.GetValue<long>() ?? 0;
    }

    public override Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        Remember(context, after);
        return Task.CompletedTask;
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) =>
        Task.FromResult<JsonNode?>(name is "alarm_url" or "signal_url" ? SignalUrl.For(context) : null);

    /// <summary>
    /// Resizes the group, as Heat's policy does: an alarm whose state is not <c>alarm</c>, a signal
    /// within <c>cooldown</c> of the last resize, one while the group is still resizing, and one that
    /// would leave the size unchanged (at <c>min_size</c>/<c>max_size</c>) take no action (the signal
    /// is still accepted, and its event says why). The group's update is started, not waited for.
    /// </summary>
    public async Task<string?> SignalAsync(ResourceContext context, string physicalId, JsonObject details, CancellationToken cancellationToken)
    {
        var state = (details["current"] ?? details["state"])?.ToString() ?? "alarm";
        if (!state.Equals("alarm", StringComparison.OrdinalIgnoreCase))
            return $"Alarm state {state}: no scaling action.";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cooldown = (context.Data["cooldown"]?.GetValue<long>() ?? 0) * 1000;
        if (context.Data["last_scaled_ms"]?.GetValue<long>() is { } last && now - last < cooldown)
            return $"In cooldown for {(cooldown - (now - last) + 999) / 1000} more seconds: no scaling action.";
        var group = context.Data["group"]!.ToString();
        var stacks = $"orchestration/v1/{context.ProjectId}/stacks";
        var nested = (await context.GetAsync($"{stacks}/{Uri.EscapeDataString(group)}", cancellationToken))?["stack"]
            ?? throw new ResourceFailure($"The scaling group {group} could not be found.");
        if (nested["stack_status"]?.ToString().EndsWith("_IN_PROGRESS", StringComparison.Ordinal) == true)
            return $"The group is {nested["stack_status"]}: scaling activity in progress, no scaling action.";
        var canonical = $"{Uri.EscapeDataString(nested["stack_name"]!.ToString())}/{nested["id"]}";
        var template = await context.GetAsync($"{stacks}/{canonical}/template", cancellationToken) as JsonObject
            ?? throw new ResourceFailure($"The template of the scaling group {group} could not be read.");
        var (min, max, definition, current) = AutoScalingGroupType.Shape(template);
        var capacity = NewCapacity(context.Data["type"]!.ToString(), context.Data["adjustment"]!.GetValue<double>(), context.Data["min_step"]?.GetValue<long>() ?? 0, current, min, max);
        if (capacity == current)
            return $"The group stays at {current} (min_size {min}, max_size {max}): no scaling action.";
        await context.PutAsync($"{stacks}/{canonical}", new JsonObject
        {
            ["template"] = AutoScalingGroupType.Template(definition, min, max, capacity),
            ["parameters"] = new JsonObject(),
            ["files"] = new JsonObject(),
        }, cancellationToken);
        context.Data["last_scaled_ms"] = now;
        return $"Alarm signal: resizing the group from {current} to {capacity}.";
    }

    /// <summary>
    /// The size a policy asks for, within the bounds: a change, an exact size, or a percentage of the
    /// current size (rounded away from zero below one member, towards zero above; at least
    /// <paramref name="minStep"/> members).
    /// </summary>
    public static long NewCapacity(string type, double adjustment, long minStep, long current, long min, long max)
    {
        long wanted;
        switch (type)
        {
            case "exact_capacity":
                wanted = (long)adjustment;
                break;
            case "percent_change_in_capacity":
                var delta = current * adjustment / 100.0;
                var rounded = (long)(Math.Abs(delta) < 1.0 ? (delta > 0 ? Math.Ceiling(delta) : Math.Floor(delta)) : Math.Truncate(delta));
                if (minStep > 0 && Math.Abs(rounded) < minStep)
                    rounded = adjustment < 0 ? -minStep : minStep;
                wanted = current + rounded;
                break;
            default:
                wanted = current + (long)adjustment;
                break;
        }
        return Math.Clamp(wanted, min, max);
    }
}
