using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary><c>OS::Heat::Stack</c>: a nested stack from an inline template; its outputs are attributes (<c>outputs</c>, or by name).</summary>
internal sealed class StackType : ResourceType
{
    public override string Name => "OS::Heat::Stack";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["template"] = new("any", Required: true, UpdateAllowed: true, Description: "Template that specifies the stack to be created as a resource."),
        ["parameters"] = new("map", UpdateAllowed: true, Description: "Set of parameters passed to this stack."),
        ["timeout"] = new("integer", UpdateAllowed: true, Description: "Number of minutes to wait for this stack creation."),
        ["context"] = new("map", Description: "Context for this stack (only the local region here)."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["outputs"] = "A dict of key-value pairs output from the stack.",
        ["stack_name"] = "Name of the stack.",
    };

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken) =>
        NestedStack.CreateAsync(context, properties["template"]!, properties["parameters"] as JsonObject ?? [], null, cancellationToken);

    public override Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.WaitAsync(context, physicalId, "CREATE", cancellationToken);

    public override Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken) =>
        NestedStack.UpdateAsync(context, physicalId, after["template"]!, after["parameters"] as JsonObject ?? [], null, cancellationToken);

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.DeleteAsync(context, physicalId, cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) => name switch
    {
        "outputs" => await NestedStack.OutputsAsync(context, physicalId, cancellationToken),
        "stack_name" => physicalId.Split('/')[0],
        _ => await NestedStack.OutputAsync(context, physicalId, name, cancellationToken),
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
