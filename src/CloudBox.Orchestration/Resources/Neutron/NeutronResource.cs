using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary>
/// The shape most Neutron resources share: POST/PUT/DELETE on <c>/network/v2.0/{collection}</c>,
/// attributes read from the live object, a name stamped before the create so a create cut short by
/// a crash is found again by name.
/// </summary>
internal abstract class NeutronResource : ResourceType
{
    protected abstract string Collection { get; }

    protected abstract string Singular { get; }

    protected string Url => $"network/v2.0/{Collection}";

    /// <summary>The API body for the given Heat properties (ids resolved).</summary>
    protected abstract Task<JsonObject> BodyAsync(ResourceContext context, JsonObject properties, bool create, CancellationToken cancellationToken);

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(context, properties, create: true, cancellationToken);
        if (SupportsName && (body["name"] is null || body["name"]!.ToString().Length == 0))
            body["name"] = context.Stamp;
        var created = await context.PostAsync(Url, new JsonObject { [Singular] = body }, cancellationToken);
        return created?[Singular]?["id"]?.ToString() ?? throw new ResourceFailure($"{Name}: the {Singular} was created without an id.");
    }

    protected virtual bool SupportsName => true;

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(context, after, create: false, cancellationToken);
        var update = new JsonObject();
        foreach (var (key, value) in body)
            update[key] = value?.DeepClone();
        await context.PutAsync($"{Url}/{physicalId}", new JsonObject { [Singular] = update }, cancellationToken);
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync($"{Url}/{physicalId}", cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var live = (await context.GetAsync($"{Url}/{physicalId}", cancellationToken))?[Singular];
        return Shown(live, name);
    }

    /// <summary>The Neutron object still exists.</summary>
    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        await context.GetAsync($"{Url}/{physicalId}", cancellationToken) is null
            ? throw new ResourceFailure($"The {Singular} {physicalId} could not be found.")
            : null;

    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        if (!SupportsName)
            return null;
        var list = await context.GetAsync($"{Url}?name={Uri.EscapeDataString(context.Stamp)}", cancellationToken);
        return (list?[Collection] as JsonArray)?.FirstOrDefault()?["id"]?.ToString();
    }

    protected static void Copy(JsonObject properties, JsonObject body, params string[] names)
    {
        foreach (var name in names)
        {
            if (properties[name] is { } value)
                body[name] = value.DeepClone();
        }
    }

    protected static Task<string> NetworkIdAsync(ResourceContext context, string nameOrId, CancellationToken cancellationToken) =>
        context.ResolveIdAsync("network/v2.0/networks", "networks", nameOrId, cancellationToken);

    protected static Task<string> SubnetIdAsync(ResourceContext context, string nameOrId, CancellationToken cancellationToken) =>
        context.ResolveIdAsync("network/v2.0/subnets", "subnets", nameOrId, cancellationToken);

    protected static readonly IReadOnlyDictionary<string, string> CommonAttributes = new Dictionary<string, string>
    {
        ["name"] = "Friendly name.",
        ["status"] = "The status.",
        ["tenant_id"] = "The owning project.",
        ["show"] = "Detailed information about the resource.",
    };
}
