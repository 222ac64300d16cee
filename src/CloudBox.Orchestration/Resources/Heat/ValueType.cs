using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary><c>OS::Heat::Value</c>: holds a value (updated in place) for others to read as its <c>value</c> attribute.</summary>
internal sealed class ValueType : ResourceType
{
    public override string Name => "OS::Heat::Value";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["value"] = new("any", Required: true, UpdateAllowed: true, Description: "The expression to hold."),
        ["type"] = new("string", UpdateAllowed: true, Description: "The type of the value."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string> { ["value"] = "The resulting value." };

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        context.Data["value"] = properties["value"]?.DeepClone();
        return Task.FromResult(context.Stamp);
    }

    public override Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        context.Data["value"] = after["value"]?.DeepClone();
        return Task.CompletedTask;
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) =>
        Task.FromResult(name is "value" or "show" ? context.Data["value"]?.DeepClone() : null);
}
