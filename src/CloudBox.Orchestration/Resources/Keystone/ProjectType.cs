using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Keystone;

/// <summary>
/// <c>OS::Keystone::Project</c> (admins only): a project in a domain, under a parent if given; its
/// name, description, enabled flag and tags change in place, a new domain or parent replaces it.
/// </summary>
internal sealed class ProjectType : ResourceType
{
    public override string Name => "OS::Keystone::Project";

    public override string Description => "A Keystone project.";

    public override bool AdminOnly => true;

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", UpdateAllowed: true, Description: "The project's name; a unique one is made when it is left out."),
        ["domain"] = new("string", Description: "The domain (name or id) the project belongs to.", Default: "default"),
        ["description"] = new("string", UpdateAllowed: true, Description: "What the project is for.", Default: ""),
        ["enabled"] = new("boolean", UpdateAllowed: true, Description: "Whether the project can be used.", Default: true),
        ["parent"] = new("string", Description: "The parent project (name or id) in a hierarchy."),
        ["tags"] = new("list", UpdateAllowed: true, Description: "Tags of the project."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["name"] = "The project's name.",
        ["domain_id"] = "The id of the project's domain.",
        ["parent_id"] = "The id of the parent (the domain's for a top-level project).",
        ["enabled"] = "Whether the project is enabled.",
        ["description"] = "The project's description.",
        ["is_domain"] = "Whether the project acts as a domain.",
        ["show"] = "Detailed information about the resource.",
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var project = new JsonObject
        {
            ["name"] = properties["name"]?.ToString() ?? context.Stamp,
            ["domain_id"] = await KeystoneApi.DomainIdAsync(context, properties["domain"]?.ToString() ?? "default", cancellationToken),
            ["description"] = properties["description"]?.ToString() ?? "",
            ["enabled"] = properties["enabled"]?.GetValue<bool>() ?? true,
        };
        if (properties["parent"]?.ToString() is { Length: > 0 } parent)
            project["parent_id"] = await KeystoneApi.ProjectIdAsync(context, parent, cancellationToken);
        if (properties["tags"] is JsonArray tags)
            project["tags"] = tags.DeepClone();
        var created = await context.PostAsync($"{KeystoneApi.Root}/projects", new JsonObject { ["project"] = project }, cancellationToken);
        return created?["project"]?["id"]?.ToString() ?? throw new ResourceFailure("The project was created without an id.");
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        var project = new JsonObject();
        if (changed.Contains("name"))
            project["name"] = after["name"]?.ToString() ?? context.Stamp;
        if (changed.Contains("description"))
            project["description"] = after["description"]?.ToString() ?? "";
        if (changed.Contains("enabled"))
            project["enabled"] = after["enabled"]?.GetValue<bool>() ?? true;
        if (changed.Contains("tags"))
            project["tags"] = after["tags"]?.DeepClone() ?? new JsonArray();
        await context.SendAsync(HttpMethod.Patch, KeystoneApi.Url("projects", physicalId), new JsonObject { ["project"] = project }, cancellationToken);
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync(KeystoneApi.Url("projects", physicalId), cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var project = await KeystoneApi.ShowAsync(context, "projects", "project", physicalId, cancellationToken);
        return Shown(project, name);
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        await KeystoneApi.ShowAsync(context, "projects", "project", physicalId, cancellationToken) is null ? throw new ResourceFailure($"The project {physicalId} could not be found.") : null;

    public override Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken) => KeystoneApi.FindByStampAsync(context, "projects", cancellationToken);
}
