using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Nova;

/// <summary><c>OS::Nova::ServerGroup</c>: a Compute server group with its policies; any change replaces it.</summary>
internal sealed class ServerGroupType : ResourceType
{
    private const string Url = "compute/v2.1/os-server-groups";

    public override string Name => "OS::Nova::ServerGroup";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", Description: "Server Group name."),
        ["policies"] = new("list", Description: "A list of string policies to apply (affinity, anti-affinity, soft-affinity, soft-anti-affinity); anti-affinity when not given."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["show"] = "Detailed information about the resource.",
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var policies = properties["policies"] as JsonArray ?? new JsonArray("anti-affinity");
        var body = new JsonObject
        {
            ["name"] = properties["name"]?.ToString() ?? context.Stamp,
            ["policies"] = new JsonArray(policies.Select(p => (JsonNode?)p?.ToString()).ToArray()),
        };
        var created = await context.PostAsync(Url, new JsonObject { ["server_group"] = body }, cancellationToken);
        return created?["server_group"]?["id"]?.ToString() ?? throw new ResourceFailure("The server group was created without an id.");
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync($"{Url}/{Uri.EscapeDataString(physicalId)}", cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var group = (await context.GetAsync($"{Url}/{Uri.EscapeDataString(physicalId)}", cancellationToken))?["server_group"];
        return Shown(group, name);
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        await context.GetAsync($"{Url}/{Uri.EscapeDataString(physicalId)}", cancellationToken) is null
            ? throw new ResourceFailure($"The server group {physicalId} could not be found.")
            : null;

    /// <summary>A group named by its stamp (no name given) is found again after a crash.</summary>
    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync($"{Url}?limit=1000", cancellationToken);
        return (list?["server_groups"] as JsonArray)?.FirstOrDefault(g => g?["name"]?.ToString() == context.Stamp)?["id"]?.ToString();
    }
}
