using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// <c>OS::Heat::CloudConfig</c>: a cloud-init <c>#cloud-config</c> document from a map. The map is written
/// as JSON, which YAML (and so cloud-init) reads as the same document.
/// </summary>
internal sealed class CloudConfigType : SoftwareConfigBase
{
    public override string Name => "OS::Heat::CloudConfig";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["cloud_config"] = new("map", Description: "Map representing the cloud-config data structure which will be formatted as YAML."),
    };

    protected override Task<JsonObject> ConfigAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken) =>
        Task.FromResult(new JsonObject
        {
            ["group"] = "Heat::Ungrouped",
            ["config"] = "#cloud-config\n" + (properties["cloud_config"] ?? new JsonObject()).ToJsonString() + "\n",
        });
}
