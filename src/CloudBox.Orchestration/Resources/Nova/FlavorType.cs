using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Nova;

/// <summary>
/// <c>OS::Nova::Flavor</c> (admins only): a flavor with its extra specs (updated in place) and, for a
/// private flavor, the projects given access; any other change replaces the flavor.
/// </summary>
internal sealed class FlavorType : ResourceType
{
    public override string Name => "OS::Nova::Flavor";

    public override bool AdminOnly => true;

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", Description: "Name of the flavor."),
        ["flavorid"] = new("string", Description: "Unique ID of the flavor. If not specified, an UUID will be auto generated."),
        ["ram"] = new("integer", Required: true, Description: "Memory in MB for the flavor."),
        ["vcpus"] = new("integer", Description: "Number of VCPUs for the flavor.", Default: 1),
        ["disk"] = new("integer", Description: "Size of local disk in GB.", Default: 0),
        ["swap"] = new("integer", Description: "Swap space in MB.", Default: 0),
        ["ephemeral"] = new("integer", Description: "Size of a secondary ephemeral data disk in GB.", Default: 0),
        ["rxtx_factor"] = new("number", Description: "RX/TX factor.", Default: 1.0),
        ["is_public"] = new("boolean", Description: "Scope of flavor accessibility. Public or private.", Default: true),
        ["extra_specs"] = new("map", UpdateAllowed: true, Description: "Key/Value pairs to extend the capabilities of the flavor."),
        ["tenants"] = new("list", Description: "List of projects with access to the private flavor."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["is_public"] = "Whether the flavor is shared across all projects.",
        ["extra_specs"] = "Extra specs of the flavor in key-value pairs.",
        ["show"] = "Detailed information about the resource.",
    };

    private static string Url(string id) => $"compute/v2.1/flavors/{Uri.EscapeDataString(id)}";

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var isPublic = properties["is_public"]?.GetValue<bool>() ?? true;
        var flavor = new JsonObject
        {
            ["name"] = properties["name"]?.ToString() ?? context.Stamp,
            ["ram"] = properties["ram"]!.GetValue<long>(),
            ["vcpus"] = properties["vcpus"]?.GetValue<long>() ?? 1,
            ["disk"] = properties["disk"]?.GetValue<long>() ?? 0,
            ["swap"] = properties["swap"]?.GetValue<long>() ?? 0,
            ["OS-FLV-EXT-DATA:ephemeral"] = properties["ephemeral"]?.GetValue<long>() ?? 0,
            ["rxtx_factor"] = properties["rxtx_factor"]?.GetValue<double>() ?? 1.0,
            ["os-flavor-access:is_public"] = isPublic,
        };
        if (properties["flavorid"] is { } flavorId)
            flavor["id"] = flavorId.ToString();
        var created = await context.PostAsync("compute/v2.1/flavors", new JsonObject { ["flavor"] = flavor }, cancellationToken);
        var id = created?["flavor"]?["id"]?.ToString() ?? throw new ResourceFailure("The flavor was created without an id.");
        await SetExtraSpecsAsync(context, id, [], properties["extra_specs"] as JsonObject ?? [], cancellationToken);
        if (!isPublic)
        {
            foreach (var tenant in (properties["tenants"] as JsonArray ?? []).Take(100))
                await context.PostAsync($"{Url(id)}/action", new JsonObject { ["addTenantAccess"] = new JsonObject { ["tenant"] = tenant?.ToString() } }, cancellationToken);
        }
        return id;
    }

    private static async Task SetExtraSpecsAsync(ResourceContext context, string id, JsonObject before, JsonObject after, CancellationToken cancellationToken)
    {
        foreach (var (key, _) in before)
        {
            if (!after.ContainsKey(key))
                await context.DeleteAsync($"{Url(id)}/os-extra_specs/{Uri.EscapeDataString(key)}", cancellationToken);
        }
        if (after.Count == 0)
            return;
        var specs = new JsonObject();
        foreach (var (key, value) in after)
            specs[key] = value is JsonValue ? Templates.TemplateFunctions.PlainText(value) : value?.ToJsonString();
        await context.PostAsync($"{Url(id)}/os-extra_specs", new JsonObject { ["extra_specs"] = specs }, cancellationToken);
    }

    public override Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken) =>
        SetExtraSpecsAsync(context, physicalId, before["extra_specs"] as JsonObject ?? [], after["extra_specs"] as JsonObject ?? [], cancellationToken);

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync(Url(physicalId), cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var flavor = (await context.GetAsync(Url(physicalId), cancellationToken))?["flavor"];
        return name switch
        {
            "show" => flavor?.DeepClone(),
            "is_public" => flavor?["os-flavor-access:is_public"]?.DeepClone(),
            "extra_specs" => (await context.GetAsync($"{Url(physicalId)}/os-extra_specs", cancellationToken))?["extra_specs"]?.DeepClone(),
            _ => flavor?[name]?.DeepClone(),
        };
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        await context.GetAsync(Url(physicalId), cancellationToken) is null ? throw new ResourceFailure($"The flavor {physicalId} could not be found.") : null;

    /// <summary>A flavor named by its stamp (no name given) is found again after a crash.</summary>
    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync("compute/v2.1/flavors?is_public=None", cancellationToken);
        return (list?["flavors"] as JsonArray)?.FirstOrDefault(f => f?["name"]?.ToString() == context.Stamp)?["id"]?.ToString();
    }
}
