using System.Text.Json.Nodes;
using CloudBox.Orchestration.Templates;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// A template resource: a type the environment maps to a template of the <c>files</c> map (or a type
/// named by such a file). Its properties become the nested stack's parameters and its outputs its
/// attributes. The engine passes the template as <c>template</c> and the properties as <c>parameters</c>.
/// </summary>
internal sealed class TemplateResourceType : ResourceType
{
    public static readonly TemplateResourceType Instance = new();

    public override string Name => "TemplateResource";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["template"] = new("any", Required: true, UpdateAllowed: true),
        ["parameters"] = new("map", UpdateAllowed: true),
    };

    public static bool IsTemplateName(string type) =>
        type.EndsWith(".yaml", StringComparison.Ordinal) || type.EndsWith(".yml", StringComparison.Ordinal) || type.EndsWith(".template", StringComparison.Ordinal) || type.Contains('/', StringComparison.Ordinal);

    /// <summary>The properties the engine hands this type: the file's template and the resolved properties.</summary>
    public static JsonObject Wrap(string file, JsonObject properties) => new()
    {
        ["template"] = TemplateDocument.Parse(file).Root,
        ["parameters"] = properties.DeepClone(),
    };

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken) =>
        NestedStack.CreateAsync(context, properties["template"]!, properties["parameters"] as JsonObject ?? [], null, cancellationToken);

    public override Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.WaitAsync(context, physicalId, "CREATE", cancellationToken);

    public override Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken) =>
        NestedStack.UpdateAsync(context, physicalId, after["template"]!, after["parameters"] as JsonObject ?? [], null, cancellationToken);

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        NestedStack.DeleteAsync(context, physicalId, cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken) =>
        name is "show" or "outputs" ? await NestedStack.OutputsAsync(context, physicalId, cancellationToken) : await NestedStack.OutputAsync(context, physicalId, name, cancellationToken);

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
