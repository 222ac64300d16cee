using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary><c>OS::Heat::None</c>: accepts any properties and does nothing (to disable a resource through the registry).</summary>
internal sealed class NoneType : ResourceType
{
    public override string Name => "OS::Heat::None";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>();

    public override bool CanUpdate(IReadOnlySet<string> changed) => true;

    public override Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken) => Task.FromResult(context.Stamp);

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) => Task.CompletedTask;
}
