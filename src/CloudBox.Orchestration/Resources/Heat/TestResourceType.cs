using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// <c>OS::Heat::TestResource</c>: takes <c>wait_secs</c> to act (per action), fails when <c>fail</c>
/// is true, and reports <c>value</c> as its <c>output</c> attribute; <c>value</c> updates in place
/// unless <c>update_replace</c>.
/// </summary>
internal sealed class TestResourceType : ResourceType
{
    public override string Name => "OS::Heat::TestResource";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["value"] = new("string", UpdateAllowed: true, Description: "The input string to be stored.", Default: "test_string"),
        ["fail"] = new("boolean", UpdateAllowed: true, Description: "Value which can be set to fail the resource operation.", Default: false),
        ["update_replace"] = new("boolean", UpdateAllowed: true, Description: "Replace instead of updating in place.", Default: false),
        ["wait_secs"] = new("number", UpdateAllowed: true, Description: "Seconds to wait after an action.", Default: 0),
        ["action_wait_secs"] = new("map", UpdateAllowed: true, Description: "Seconds to wait per action (create, update, delete)."),
        ["client_name"] = new("string", Description: "Unused."),
        ["entity_name"] = new("string", Description: "Unused."),
        ["constraint_prop_secs"] = new("number", Description: "Unused."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string> { ["output"] = "The string that was stored." };

    public override bool CanUpdate(IReadOnlySet<string> changed) => base.CanUpdate(changed);

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        await ActAsync(properties, "create", cancellationToken);
        context.Data["value"] = properties["value"]?.DeepClone() ?? "test_string";
        return context.Stamp;
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        await ActAsync(after, "update", cancellationToken);
        context.Data["value"] = after["value"]?.DeepClone() ?? "test_string";
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) =>
        Task.FromResult(name is "output" or "show" ? context.Data["value"]?.DeepClone() : null);

    /// <summary>Replacement when <c>update_replace</c> is set in the new properties (Heat's TestResource).</summary>
    public static bool WantsReplace(JsonObject after) => after["update_replace"]?.GetValue<bool>() == true;

    private static async Task ActAsync(JsonObject properties, string action, CancellationToken cancellationToken)
    {
        // action_wait_secs is a map, so its values are not coerced: a number from get_param may be an integer or text.
        var seconds = Seconds(properties["action_wait_secs"]?[action]) ?? Seconds(properties["wait_secs"]) ?? 0;
        if (seconds > 0)
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(seconds, 3600)), cancellationToken);
        if (properties["fail"]?.GetValue<bool>() == true)
            throw new ResourceFailure($"Test Resource failed {properties["value"] ?? "test_string"}");
    }

    private static double? Seconds(JsonNode? value) =>
        value is JsonValue && double.TryParse(Templates.TemplateFunctions.PlainText(value), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
}
