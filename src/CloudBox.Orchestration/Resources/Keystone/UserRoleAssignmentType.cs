using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Keystone;

/// <summary>
/// <c>OS::Keystone::UserRoleAssignment</c> (admins only): roles granted to an existing user on
/// projects or domains; the grants change in place by difference, and deleting the resource revokes them.
/// </summary>
internal sealed class UserRoleAssignmentType : ResourceType
{
    public override string Name => "OS::Keystone::UserRoleAssignment";

    public override string Description => "Roles of a Keystone user on projects or domains.";

    public override bool AdminOnly => true;

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["user"] = new("string", Required: true, UpdateAllowed: true, Description: "The user (name or id) the roles are granted to."),
        ["roles"] = new("list", Required: true, UpdateAllowed: true, Description: "Maps of role and one of project or domain (names or ids)."),
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var userId = await KeystoneApi.UserIdAsync(context, properties["user"]!.ToString(), cancellationToken);
        // Recorded first: a create that fails half way is deleted, and the delete revokes what was granted.
        context.Data["user_id"] = userId;
        context.Data["roles"] = properties["roles"]?.DeepClone();
        await KeystoneApi.ChangeGrantsAsync(context, userId, null, properties["roles"], cancellationToken);
        return $"{userId}-{context.Stamp}";
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        var oldUser = context.Data["user_id"]?.ToString() ?? await KeystoneApi.UserIdAsync(context, before["user"]!.ToString(), cancellationToken);
        var newUser = await KeystoneApi.UserIdAsync(context, after["user"]!.ToString(), cancellationToken);
        if (oldUser != newUser)
        {
            await KeystoneApi.RevokeAsync(context, oldUser, before["roles"], cancellationToken);
            await KeystoneApi.ChangeGrantsAsync(context, newUser, null, after["roles"], cancellationToken);
        }
        else
        {
            await KeystoneApi.ChangeGrantsAsync(context, newUser, before["roles"], after["roles"], cancellationToken);
        }
        context.Data["user_id"] = newUser;
        context.Data["roles"] = after["roles"]?.DeepClone();
    }

    public override async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        if (context.Data["user_id"]?.ToString() is { } userId)
            await KeystoneApi.RevokeAsync(context, userId, context.Data["roles"], cancellationToken);
    }
}
