using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using CloudBox.Identity.Assignments;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Groups;
using CloudBox.Identity.Passwords;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Users;

/// <summary><c>/v3/users</c>, a user's own password change, groups and projects.</summary>
public static class UserEndpoints
{
    private static readonly string[] Fields = ["name", "domain_id", "enabled", "password", "default_project_id", "description", "email", "options", "federated"];

    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/users", ListAsync);
        v3.MapPost("/users", CreateAsync);
        v3.MapGet("/users/{id}", GetAsync);
        v3.MapMethods("/users/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/users/{id}", DeleteAsync);
        v3.MapPost("/users/{id}/password", ChangePasswordAsync);
        v3.MapGet("/users/{id}/groups", ListGroupsAsync);
        v3.MapGet("/users/{id}/projects", ListProjectsAsync);
    }

    public static JsonObject ToJson(UserRecord user, HttpRequest request)
    {
        var json = new JsonObject
        {
            ["id"] = user.Id,
            ["name"] = user.Name,
            ["domain_id"] = user.DomainId,
            ["enabled"] = user.Enabled,
            ["password_expires_at"] = null,
            ["options"] = new JsonObject(),
            ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/users/{user.Id}"),
        };
        if (user.DefaultProjectId is not null)
            json["default_project_id"] = user.DefaultProjectId;
        if (user.Description.Length > 0)
            json["description"] = user.Description;
        if (user.Email.Length > 0)
            json["email"] = user.Email;
        return json.WithExtra(user.Extra);
    }

    private static PolicyTarget Target(UserRecord user) =>
        new PolicyTarget().Set("target.user.id", user.Id).Set("target.user.domain_id", user.DomainId);

    private static async Task<IResult> ListAsync(HttpContext context, UserStore users, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var domainId = request.Query("domain_id");
        context.Authorize(policy, "identity:list_users", new PolicyTarget().Set("target.domain_id", domainId));
        var found = await users.ListAsync(request.Query("name"), domainId, request.QueryBool("enabled"), null, cancellationToken);
        return KeystoneResponses.Collection(request, "users", found.Select(u => ToJson(u, request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, UserStore users, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(id, cancellationToken);
        context.Authorize(policy, "identity:get_user", user is null ? new PolicyTarget().Set("target.user.id", id) : Target(user));
        return KeystoneResponses.Single("user", ToJson(user ?? throw ApiFault.NotFound($"Could not find user: {id}."), context.Request));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, UserStore users, DomainStore domains, ProjectStore projects,
        PolicyEngine policy, IdentitySettings settings, PasswordGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("user");
        var caller = context.RequireCaller();
        var domainId = body.OptionalString("domain_id") ?? caller.ProjectDomainId ?? caller.DomainId ?? DomainRecord.DefaultId;
        var user = new UserRecord
        {
            Id = Identifiers.NewHexId(),
            Name = body.RequireString("name"),
            DomainId = domainId,
            Enabled = body.OptionalBool("enabled") ?? true,
            DefaultProjectId = body.OptionalString("default_project_id"),
            Description = body.OptionalString("description", 65535) ?? "",
            Email = body.OptionalString("email") ?? "",
            Extra = KeystoneResponses.ExtraOf(body, "{}", Fields),
            CreatedAt = IdentityRequest.Now(clock),
        };
        context.Authorize(policy, "identity:create_user", Target(user));
        _ = await domains.FindAsync(domainId, cancellationToken) ?? throw ApiFault.NotFound($"Could not find domain: {domainId}.");
        if (user.DefaultProjectId is not null)
            _ = await projects.FindAsync(user.DefaultProjectId, cancellationToken) ?? throw ApiFault.NotFound($"Could not find project: {user.DefaultProjectId}.");
        if (body.OptionalString("password", 4096) is { } password)
        {
            user.PasswordHash = await gate.RunAsync(() => PasswordHasher.Hash(password, settings.PasswordIterations), cancellationToken);
            user.PasswordChangedAt = user.CreatedAt;
        }
        await users.CreateAsync(user, cancellationToken);
        return KeystoneResponses.Single("user", ToJson(user, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, UserStore users, ProjectStore projects, RevocationList revocations,
        PolicyEngine policy, IdentitySettings settings, PasswordGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:update_user", Target(user));
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("user");
        IdentityRequest.RequireMatchingId(body.OptionalString("id"), id);
        if (body.OptionalString("domain_id") is { } domainId && domainId != user.DomainId)
            throw ApiFault.BadRequest("Update of `domain_id` is not allowed.");
        var wasEnabled = user.Enabled;
        user.Name = body.OptionalString("name") ?? user.Name;
        user.Enabled = body.OptionalBool("enabled") ?? user.Enabled;
        user.Description = body.OptionalString("description", 65535) ?? user.Description;
        user.Email = body.OptionalString("email") ?? user.Email;
        if (body.Has("default_project_id"))
        {
            user.DefaultProjectId = body.OptionalString("default_project_id");
            if (user.DefaultProjectId is not null)
                _ = await projects.FindAsync(user.DefaultProjectId, cancellationToken) ?? throw ApiFault.NotFound($"Could not find project: {user.DefaultProjectId}.");
        }
        var passwordChanged = false;
        if (body.OptionalString("password", 4096) is { } password)
        {
            user.PasswordHash = await gate.RunAsync(() => PasswordHasher.Hash(password, settings.PasswordIterations), cancellationToken);
            user.PasswordChangedAt = IdentityRequest.Now(clock);
            passwordChanged = true;
        }
        user.Extra = KeystoneResponses.ExtraOf(body, user.Extra, Fields);
        await users.UpdateAsync(user, cancellationToken);
        // A disabled user or a reset password ends every token the user holds.
        if (passwordChanged || (wasEnabled && !user.Enabled))
            await revocations.RevokeUserAsync(user.Id, cancellationToken);
        return KeystoneResponses.Single("user", ToJson(user, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, UserStore users, RevocationList revocations,
        PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:delete_user", Target(user));
        await users.DeleteAsync(id, cancellationToken);
        await revocations.RevokeUserAsync(id, cancellationToken);
        return Results.NoContent();
    }

    /// <summary><c>POST /v3/users/{id}/password</c>: users change their own password by proving the old one.</summary>
    private static async Task<IResult> ChangePasswordAsync(string id, HttpContext context, UserStore users, RevocationList revocations,
        PolicyEngine policy, IdentitySettings settings, PasswordGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("user");
        var original = body.OptionalString("original_password", 4096) ?? throw ApiFault.BadRequest("Invalid input: 'original_password' is a required property.");
        var replacement = body.OptionalString("password", 4096) ?? throw ApiFault.BadRequest("Invalid input: 'password' is a required property.");
        var user = await users.FindAsync(id, cancellationToken);
        // This call is anonymous in Keystone (the old password is the proof), but a token, when sent, must be the user's own.
        if (context.Caller() is { } caller)
            policy.Enforce("identity:change_password", caller, new PolicyTarget().Set("target.user.id", id));
        if (user is null || !await gate.RunAsync(() => PasswordHasher.Verify(original, user.PasswordHash), cancellationToken) || !user.Enabled)
            throw ApiFault.Unauthorized("The request you have made requires authentication.");
        user.PasswordHash = await gate.RunAsync(() => PasswordHasher.Hash(replacement, settings.PasswordIterations), cancellationToken);
        user.PasswordChangedAt = IdentityRequest.Now(clock);
        await users.UpdateAsync(user, cancellationToken);
        await revocations.RevokeUserAsync(user.Id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> ListGroupsAsync(string id, HttpContext context, UserStore users, GroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:list_groups_for_user", Target(user));
        var found = await groups.ListAsync(null, null, id, cancellationToken);
        return KeystoneResponses.Collection(context.Request, "groups", found.Select(g => GroupEndpoints.ToJson(g, context.Request)));
    }

    private static async Task<IResult> ListProjectsAsync(string id, HttpContext context, UserStore users, ProjectStore projects,
        AssignmentStore assignments, GroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:list_user_projects", Target(user));
        var found = await Auth.AuthEndpoints.ProjectsWithAnyAssignmentAsync(id, projects, assignments, groups, cancellationToken);
        var enabled = context.Request.QueryBool("enabled");
        var name = context.Request.Query("name");
        var visible = found.Where(p => (enabled is null || p.Enabled == enabled) && (name is null || p.Name == name));
        return KeystoneResponses.Collection(context.Request, "projects", visible.Select(p => ProjectEndpoints.ToJson(p, context.Request)));
    }
}
