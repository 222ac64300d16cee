using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Keystone;

/// <summary>
/// Identity's v3 API as the Keystone resource types use it: URLs, names resolved to ids (domains,
/// projects, roles, groups), and the role grants of a user given as Heat's <c>roles</c> list of
/// <c>{role, project | domain}</c> maps.
/// </summary>
internal static class KeystoneApi
{
    public const string Root = "identity/v3";

    /// <summary>At most this many grants or group memberships per resource (a template bounds its own lists).</summary>
    public const int MaxEntries = 200;

    public static string Url(string collection, string id) => $"{Root}/{collection}/{Uri.EscapeDataString(id)}";

    public static Task<string> DomainIdAsync(ResourceContext context, string nameOrId, CancellationToken cancellationToken) =>
        context.ResolveIdAsync($"{Root}/domains", "domains", nameOrId, cancellationToken);

    public static Task<string> ProjectIdAsync(ResourceContext context, string nameOrId, CancellationToken cancellationToken) =>
        context.ResolveIdAsync($"{Root}/projects", "projects", nameOrId, cancellationToken);

    public static Task<string> RoleIdAsync(ResourceContext context, string nameOrId, CancellationToken cancellationToken) =>
        context.ResolveIdAsync($"{Root}/roles", "roles", nameOrId, cancellationToken);

    public static Task<string> GroupIdAsync(ResourceContext context, string nameOrId, CancellationToken cancellationToken) =>
        context.ResolveIdAsync($"{Root}/groups", "groups", nameOrId, cancellationToken);

    public static Task<string> UserIdAsync(ResourceContext context, string nameOrId, CancellationToken cancellationToken) =>
        context.ResolveIdAsync($"{Root}/users", "users", nameOrId, cancellationToken);

    /// <summary>The grant URLs (<c>…/projects/{p}/users/{u}/roles/{r}</c> or the domain's) that a <c>roles</c> list names.</summary>
    public static async Task<IReadOnlyList<string>> GrantUrlsAsync(ResourceContext context, string userId, JsonNode? roles, CancellationToken cancellationToken)
    {
        var urls = new List<string>();
        foreach (var entry in (roles as JsonArray ?? []).Take(MaxEntries))
        {
            if (entry is not JsonObject grant || grant["role"] is not { } role)
                throw new ResourceFailure("Each entry of roles needs a role and a project or a domain.");
            var project = grant["project"]?.ToString();
            var domain = grant["domain"]?.ToString();
            if (string.IsNullOrEmpty(project) == string.IsNullOrEmpty(domain))
                throw new ResourceFailure($"The role {role} needs exactly one of project and domain.");
            var roleId = await RoleIdAsync(context, role.ToString(), cancellationToken);
            var target = project is { Length: > 0 }
                ? Url("projects", await ProjectIdAsync(context, project, cancellationToken))
                : Url("domains", await DomainIdAsync(context, domain!, cancellationToken));
            urls.Add($"{target}/users/{Uri.EscapeDataString(userId)}/roles/{Uri.EscapeDataString(roleId)}");
        }
        return urls;
    }

    /// <summary>Grants what <paramref name="after"/> names and <paramref name="before"/> did not, and revokes the rest.</summary>
    public static async Task ChangeGrantsAsync(ResourceContext context, string userId, JsonNode? before, JsonNode? after, CancellationToken cancellationToken)
    {
        var old = await GrantUrlsAsync(context, userId, before, cancellationToken);
        var wanted = await GrantUrlsAsync(context, userId, after, cancellationToken);
        foreach (var url in old.Except(wanted, StringComparer.Ordinal))
            await context.DeleteAsync(url, cancellationToken);
        foreach (var url in wanted.Except(old, StringComparer.Ordinal))
            await context.PutAsync(url, null, cancellationToken);
    }

    /// <summary>Revokes the grants a <c>roles</c> list names; a role, project or user already gone has none left.</summary>
    public static async Task RevokeAsync(ResourceContext context, string userId, JsonNode? roles, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> urls;
        try
        {
            urls = await GrantUrlsAsync(context, userId, roles, cancellationToken);
        }
        catch (ResourceFailure)
        {
            return;
        }
        foreach (var url in urls)
            await context.DeleteAsync(url, cancellationToken);
    }

    /// <summary>The object of a show (<c>{"project": {…}}</c>), null when it is gone.</summary>
    public static async Task<JsonObject?> ShowAsync(ResourceContext context, string collection, string singular, string id, CancellationToken cancellationToken) =>
        (await context.GetAsync(Url(collection, id), cancellationToken))?[singular] as JsonObject;

    /// <summary>The id of the object of <paramref name="collection"/> named by the resource's stamp (a create cut short by a crash).</summary>
    public static async Task<string?> FindByStampAsync(ResourceContext context, string collection, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync($"{Root}/{collection}?name={Uri.EscapeDataString(context.Stamp)}", cancellationToken);
        return (list?[collection] as JsonArray)?.FirstOrDefault()?["id"]?.ToString();
    }
}
