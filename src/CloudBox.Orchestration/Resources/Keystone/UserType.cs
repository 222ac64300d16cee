using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Keystone;

/// <summary>
/// <c>OS::Keystone::User</c> (admins only): a user with its password, default project, group
/// memberships and role grants; everything but the domain changes in place (groups and grants by
/// difference).
/// </summary>
internal sealed class UserType : ResourceType
{
    public override string Name => "OS::Keystone::User";

    public override string Description => "A Keystone user, its groups and its roles.";

    public override bool AdminOnly => true;

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", UpdateAllowed: true, Description: "The user's name; a unique one is made when it is left out."),
        ["domain"] = new("string", Description: "The domain (name or id) the user belongs to.", Default: "default"),
        ["description"] = new("string", UpdateAllowed: true, Description: "A description of the user.", Default: ""),
        ["enabled"] = new("boolean", UpdateAllowed: true, Description: "Whether the user can sign in.", Default: true),
        ["email"] = new("string", UpdateAllowed: true, Description: "The user's email address."),
        ["password"] = new("string", UpdateAllowed: true, Description: "The user's password."),
        ["default_project"] = new("string", UpdateAllowed: true, Description: "The project (name or id) a token is scoped to when none is asked for."),
        ["groups"] = new("list", UpdateAllowed: true, Description: "Groups (names or ids) the user is a member of."),
        ["roles"] = new("list", UpdateAllowed: true, Description: "Roles granted to the user: maps of role and one of project or domain (names or ids)."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["name"] = "The user's name.",
        ["default_project_id"] = "The id of the user's default project.",
        ["domain_id"] = "The id of the user's domain.",
        ["enabled"] = "Whether the user is enabled.",
        ["password_expires_at"] = "When the user's password expires.",
        ["show"] = "Detailed information about the resource.",
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var user = new JsonObject
        {
            ["name"] = properties["name"]?.ToString() ?? context.Stamp,
            ["domain_id"] = await KeystoneApi.DomainIdAsync(context, properties["domain"]?.ToString() ?? "default", cancellationToken),
            ["description"] = properties["description"]?.ToString() ?? "",
            ["enabled"] = properties["enabled"]?.GetValue<bool>() ?? true,
        };
        if (properties["email"]?.ToString() is { } email)
            user["email"] = email;
        if (properties["password"]?.ToString() is { } password)
            user["password"] = password;
        if (properties["default_project"]?.ToString() is { Length: > 0 } project)
            user["default_project_id"] = await KeystoneApi.ProjectIdAsync(context, project, cancellationToken);
        var created = await context.PostAsync($"{KeystoneApi.Root}/users", new JsonObject { ["user"] = user }, cancellationToken);
        var id = created?["user"]?["id"]?.ToString() ?? throw new ResourceFailure("The user was created without an id.");
        // The user exists once it has an id; memberships and grants are made in the completion step,
        // which a resume after a crash repeats (a membership or grant made twice is made once).
        context.Data["groups"] = properties["groups"]?.DeepClone();
        context.Data["roles"] = properties["roles"]?.DeepClone();
        return id;
    }

    public override async Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        await ChangeGroupsAsync(context, physicalId, null, context.Data["groups"], cancellationToken);
        await KeystoneApi.ChangeGrantsAsync(context, physicalId, null, context.Data["roles"], cancellationToken);
    }

    private static async Task ChangeGroupsAsync(ResourceContext context, string userId, JsonNode? before, JsonNode? after, CancellationToken cancellationToken)
    {
        var old = await GroupIdsAsync(context, before, cancellationToken);
        var wanted = await GroupIdsAsync(context, after, cancellationToken);
        foreach (var group in old.Except(wanted, StringComparer.Ordinal))
            await context.DeleteAsync($"{KeystoneApi.Url("groups", group)}/users/{Uri.EscapeDataString(userId)}", cancellationToken);
        foreach (var group in wanted.Except(old, StringComparer.Ordinal))
            await context.PutAsync($"{KeystoneApi.Url("groups", group)}/users/{Uri.EscapeDataString(userId)}", null, cancellationToken);
    }

    private static async Task<List<string>> GroupIdsAsync(ResourceContext context, JsonNode? groups, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        foreach (var group in (groups as JsonArray ?? []).Take(KeystoneApi.MaxEntries))
            ids.Add(await KeystoneApi.GroupIdAsync(context, group?.ToString() ?? "", cancellationToken));
        return ids;
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        var user = new JsonObject();
        if (changed.Contains("name"))
            user["name"] = after["name"]?.ToString() ?? context.Stamp;
        if (changed.Contains("description"))
            user["description"] = after["description"]?.ToString() ?? "";
        if (changed.Contains("enabled"))
            user["enabled"] = after["enabled"]?.GetValue<bool>() ?? true;
        if (changed.Contains("email"))
            user["email"] = after["email"]?.ToString();
        if (changed.Contains("password") && after["password"]?.ToString() is { } password)
            user["password"] = password;
        if (changed.Contains("default_project"))
            user["default_project_id"] = after["default_project"]?.ToString() is { Length: > 0 } project ? await KeystoneApi.ProjectIdAsync(context, project, cancellationToken) : null;
        if (user.Count > 0)
            await context.SendAsync(HttpMethod.Patch, KeystoneApi.Url("users", physicalId), new JsonObject { ["user"] = user }, cancellationToken);
        if (changed.Contains("groups"))
            await ChangeGroupsAsync(context, physicalId, before["groups"], after["groups"], cancellationToken);
        if (changed.Contains("roles"))
            await KeystoneApi.ChangeGrantsAsync(context, physicalId, before["roles"], after["roles"], cancellationToken);
    }

    /// <summary>Deleting the user ends its memberships and grants with it.</summary>
    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync(KeystoneApi.Url("users", physicalId), cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var user = await KeystoneApi.ShowAsync(context, "users", "user", physicalId, cancellationToken);
        return Shown(user, name);
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        await KeystoneApi.ShowAsync(context, "users", "user", physicalId, cancellationToken) is null ? throw new ResourceFailure($"The user {physicalId} could not be found.") : null;

    public override Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken) => KeystoneApi.FindByStampAsync(context, "users", cancellationToken);
}
