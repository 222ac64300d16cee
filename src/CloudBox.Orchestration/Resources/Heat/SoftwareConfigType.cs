using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary><c>OS::Heat::SoftwareConfig</c>: a config script or document for a server, with its group, inputs, outputs and options.</summary>
internal sealed class SoftwareConfigType : SoftwareConfigBase
{
    public override string Name => "OS::Heat::SoftwareConfig";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["group"] = new("string", Description: "Namespace to group this software config by when delivered to a server.", Default: "Heat::Ungrouped"),
        ["config"] = new("string", Description: "Configuration script or manifest which specifies what actual configuration is performed."),
        ["options"] = new("map", Description: "Map containing options specific to the configuration management tool used by this resource."),
        ["inputs"] = new("list", Description: "Schema representing the inputs that this software config is expecting."),
        ["outputs"] = new("list", Description: "Schema representing the outputs that this software config will produce."),
    };

    protected override Task<JsonObject> ConfigAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["group"] = properties["group"]?.ToString() ?? "Heat::Ungrouped", ["config"] = properties["config"]?.ToString() ?? "" };
        foreach (var key in new[] { "options", "inputs", "outputs" })
        {
            if (properties[key] is { } value)
                body[key] = value.DeepClone();
        }
        return Task.FromResult(body);
    }
}
