using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Keystone;

/// <summary><c>OS::Keystone::Role</c> (admins only): a role, global or of a domain; renamed in place.</summary>
internal sealed class RoleType : ResourceType
{
    public override string Name => "OS::Keystone::Role";

    public override string Description => "A Keystone role.";

    public override bool AdminOnly => true;

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", UpdateAllowed: true, Description: "The role's name; a unique one is made when it is left out."),
        ["domain"] = new("string", Description: "The domain (name or id) of a domain-specific role; a global role when left out."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["name"] = "The role's name.",
        ["domain_id"] = "The id of the role's domain, null for a global role.",
        ["show"] = "Detailed information about the resource.",
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var role = new JsonObject { ["name"] = properties["name"]?.ToString() ?? context.Stamp };
        if (properties["domain"]?.ToString() is { Length: > 0 } domain)
            role["domain_id"] = await KeystoneApi.DomainIdAsync(context, domain, cancellationToken);
        var created = await context.PostAsync($"{KeystoneApi.Root}/roles", new JsonObject { ["role"] = role }, cancellationToken);
        return created?["role"]?["id"]?.ToString() ?? throw new ResourceFailure("The role was created without an id.");
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken) =>
        await context.SendAsync(HttpMethod.Patch, KeystoneApi.Url("roles", physicalId), new JsonObject { ["role"] = new JsonObject { ["name"] = after["name"]?.ToString() ?? context.Stamp } }, cancellationToken);

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync(KeystoneApi.Url("roles", physicalId), cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var role = await KeystoneApi.ShowAsync(context, "roles", "role", physicalId, cancellationToken);
        return Shown(role, name);
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        await KeystoneApi.ShowAsync(context, "roles", "role", physicalId, cancellationToken) is null ? throw new ResourceFailure($"The role {physicalId} could not be found.") : null;

    public override Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken) => KeystoneApi.FindByStampAsync(context, "roles", cancellationToken);
}
