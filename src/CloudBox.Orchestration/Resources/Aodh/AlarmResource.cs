using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Aodh;

/// <summary>
/// What Heat's Aodh alarm types share: the alarm's actions (webhooks such as a ScalingPolicy's
/// <c>alarm_url</c>), severity and threshold comparison, made through Telemetry's Aodh v2 API and
/// named after the resource; a type adds its rule. Every property changes in place (the alarm is
/// replaced whole by a PUT, keeping its id and state).
/// </summary>
internal abstract class AlarmResource : ResourceType
{
    private const string Alarms = "alarming/v2/alarms";

    /// <summary>Aodh's alarm type this resource makes.</summary>
    protected abstract string AlarmType { get; }

    /// <summary>The properties of the type's rule.</summary>
    protected abstract IReadOnlyDictionary<string, PropertySchema> RuleProperties { get; }

    /// <summary>The <c>{type}_rule</c> object from the resource's properties.</summary>
    protected abstract JsonObject Rule(ResourceContext context, JsonObject properties);

    private static readonly Dictionary<string, PropertySchema> Common = new()
    {
        ["description"] = new("string", UpdateAllowed: true, Description: "Description of the alarm."),
        ["enabled"] = new("boolean", UpdateAllowed: true, Description: "Whether the alarm is evaluated and its actions run.", Default: true),
        ["alarm_actions"] = new("list", UpdateAllowed: true, Description: "URLs (webhooks) called when the alarm's state becomes alarm."),
        ["ok_actions"] = new("list", UpdateAllowed: true, Description: "URLs (webhooks) called when the alarm's state becomes ok."),
        ["insufficient_data_actions"] = new("list", UpdateAllowed: true, Description: "URLs (webhooks) called when the alarm's state becomes insufficient data."),
        ["repeat_actions"] = new("boolean", UpdateAllowed: true, Description: "Whether the actions run again at every evaluation while the alarm stays in its state.", Default: true),
        ["severity"] = new("string", UpdateAllowed: true, Description: "Severity of the alarm: low, moderate or critical.", Default: "low"),
        ["time_constraints"] = new("list", UpdateAllowed: true, Description: "When the alarm is evaluated (maps of name, start, duration, timezone, description)."),
        ["comparison_operator"] = new("string", UpdateAllowed: true, Description: "How the statistic is compared with the threshold: le, ge, eq, lt, gt or ne."),
        ["evaluation_periods"] = new("integer", UpdateAllowed: true, Description: "Number of periods to evaluate over."),
        ["threshold"] = new("number", Required: true, UpdateAllowed: true, Description: "The value the statistic is compared with."),
    };

    public override IReadOnlyDictionary<string, PropertySchema> Properties => field ??= Common.Concat(RuleProperties).ToDictionary();

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["state"] = "The alarm's current state: ok, alarm or insufficient data.",
        ["show"] = "Detailed information about the resource.",
    };

    private static string Url(string id) => $"{Alarms}/{Uri.EscapeDataString(id)}";

    /// <summary>The alarm's body, with the threshold fields common to every Gnocchi rule added to the type's rule.</summary>
    private JsonObject Body(ResourceContext context, JsonObject properties)
    {
        var rule = Rule(context, properties);
        rule["threshold"] = properties["threshold"]!.DeepClone();
        if (properties["comparison_operator"] is { } op)
            rule["comparison_operator"] = op.ToString();
        if (properties["evaluation_periods"] is { } periods)
            rule["evaluation_periods"] = periods.DeepClone();
        var alarm = new JsonObject
        {
            ["name"] = context.Stamp,
            ["type"] = AlarmType,
            [AlarmType + "_rule"] = rule,
            ["enabled"] = properties["enabled"]?.GetValue<bool>() ?? true,
            ["repeat_actions"] = properties["repeat_actions"]?.GetValue<bool>() ?? true,
            ["severity"] = properties["severity"]?.ToString() ?? "low",
            ["alarm_actions"] = Urls(properties["alarm_actions"]),
            ["ok_actions"] = Urls(properties["ok_actions"]),
            ["insufficient_data_actions"] = Urls(properties["insufficient_data_actions"]),
            ["time_constraints"] = properties["time_constraints"]?.DeepClone() ?? new JsonArray(),
        };
        if (properties["description"]?.ToString() is { } description)
            alarm["description"] = description;
        return alarm;
    }

    private static JsonArray Urls(JsonNode? actions) => [.. (actions as JsonArray ?? []).Take(100).Select(a => (JsonNode?)JsonValue.Create(a?.ToString() ?? ""))];

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var created = await context.PostAsync(Alarms, Body(context, properties), cancellationToken);
        return created?["alarm_id"]?.ToString() ?? throw new ResourceFailure("The alarm was created without an id.");
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken) =>
        await context.PutAsync(Url(physicalId), Body(context, after), cancellationToken);

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync(Url(physicalId), cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var alarm = await context.GetAsync(Url(physicalId), cancellationToken);
        return Shown(alarm, name);
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        await context.GetAsync(Url(physicalId), cancellationToken) is null ? throw new ResourceFailure($"The alarm {physicalId} could not be found.") : null;

    /// <summary>Heat disables an alarm while its stack is suspended.</summary>
    public override Task SuspendAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        SetEnabledAsync(context, physicalId, false, cancellationToken);

    public override Task ResumeAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        SetEnabledAsync(context, physicalId, true, cancellationToken);

    /// <summary>Puts the alarm back as it is but for <c>enabled</c>; an alarm already gone has nothing to change.</summary>
    private static async Task SetEnabledAsync(ResourceContext context, string physicalId, bool enabled, CancellationToken cancellationToken)
    {
        if (await context.GetAsync(Url(physicalId), cancellationToken) is JsonObject alarm)
        {
            alarm["enabled"] = enabled;
            await context.PutAsync(Url(physicalId), alarm, cancellationToken);
        }
    }

    /// <summary>An alarm is named by the resource's stamp, so one made before a crash is found again.</summary>
    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync($"{Alarms}?q.field=name&q.op=eq&q.value={Uri.EscapeDataString(context.Stamp)}", cancellationToken);
        return (list as JsonArray)?.FirstOrDefault(a => a?["name"]?.ToString() == context.Stamp)?["alarm_id"]?.ToString();
    }
}
