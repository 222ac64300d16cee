using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using CloudBox.Identity.Passwords;
using CloudBox.Identity.Roles;
using CloudBox.Identity.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.ApplicationCredentials;

/// <summary><c>/v3/users/{id}/application_credentials</c>: secrets a user hands to automation, bound to one project and a subset of roles.</summary>
public static class ApplicationCredentialEndpoints
{
    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/users/{userId}/application_credentials", ListAsync);
        v3.MapPost("/users/{userId}/application_credentials", CreateAsync);
        v3.MapGet("/users/{userId}/application_credentials/{id}", GetAsync);
        v3.MapDelete("/users/{userId}/application_credentials/{id}", DeleteAsync);
    }

    private static async Task<JsonObject> ToJsonAsync(ApplicationCredentialRecord credential, RoleStore roles, HttpRequest request, CancellationToken cancellationToken)
    {
        var roleList = new JsonArray();
        foreach (var roleId in credential.RoleIdList())
        {
            if (await roles.FindAsync(roleId, cancellationToken) is { } role)
                roleList.Add(new JsonObject { ["id"] = role.Id, ["name"] = role.Name, ["domain_id"] = role.DomainId });
        }
        return new JsonObject
        {
            ["id"] = credential.Id,
            ["name"] = credential.Name,
            ["user_id"] = credential.UserId,
            ["project_id"] = credential.ProjectId,
            ["description"] = credential.Description,
            ["expires_at"] = credential.ExpiresAt,
            ["unrestricted"] = credential.Unrestricted,
            ["roles"] = roleList,
            ["access_rules"] = new JsonArray(),
            ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/users/{credential.UserId}/application_credentials/{credential.Id}"),
        };
    }

    private static PolicyTarget Target(string userId) => new PolicyTarget().Set("target.user.id", userId);

    private static async Task<IResult> ListAsync(string userId, HttpContext context, ApplicationCredentialStore credentials, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:list_application_credentials", Target(userId));
        var items = new List<JsonObject>();
        foreach (var credential in await credentials.ListAsync(userId, context.Request.Query("name"), cancellationToken))
            items.Add(await ToJsonAsync(credential, roles, context.Request, cancellationToken));
        return KeystoneResponses.Collection(context.Request, "application_credentials", items);
    }

    private static async Task<IResult> GetAsync(string userId, string id, HttpContext context, ApplicationCredentialStore credentials, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:get_application_credential", Target(userId));
        var credential = await credentials.FindAsync(id, cancellationToken);
        if (credential is null || credential.UserId != userId)
            throw ApiFault.NotFound($"Could not find Application Credential: {id}.");
        return KeystoneResponses.Single("application_credential", await ToJsonAsync(credential, roles, context.Request, cancellationToken));
    }

    private static async Task<IResult> CreateAsync(string userId, HttpContext context, ApplicationCredentialStore credentials, RoleStore roles,
        PolicyEngine policy, IdentitySettings settings, PasswordGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "identity:create_application_credential", Target(userId));
        if (caller.UserId != userId)
            throw ApiFault.Forbidden("Application credentials can only be created by their own user.");
        if (caller.ProjectId is null)
            throw ApiFault.Forbidden("Application credentials need a project-scoped token: they are bound to its project.");
        if (caller.ApplicationCredentialId is not null)
            throw ApiFault.Forbidden("A token obtained with an application credential cannot create application credentials.");

        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("application_credential");
        var roleIds = new List<string>();
        if (body.OptionalArray("roles") is { Count: > 0 } requested)
        {
            foreach (var item in requested)
            {
                var roleRef = item as JsonObject ?? throw ApiFault.BadRequest("Invalid input for field 'roles': each role is an object with an id or a name.");
                var held = caller.Roles.FirstOrDefault(r => r.Id == roleRef.OptionalString("id") || r.Name == roleRef.OptionalString("name"))
                    ?? throw ApiFault.Forbidden($"You cannot delegate a role you do not hold on this project: {roleRef.ToJsonString()}.");
                roleIds.Add(held.Id);
            }
        }
        else
        {
            roleIds.AddRange(caller.Roles.Select(r => r.Id));
        }

        string? expiresAt = null;
        if (body.OptionalString("expires_at") is { } expiryText)
        {
            if (!DateTimeOffset.TryParse(expiryText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var expiry))
                throw ApiFault.BadRequest($"Invalid input for field 'expires_at': '{expiryText}' is not a date-time.");
            if (expiry <= clock.GetUtcNow())
                throw ApiFault.BadRequest("Invalid input for field 'expires_at': the time has already passed.");
            expiresAt = Timestamps.ToStorage(expiry);
        }

        var secret = body.OptionalString("secret", 4096) ?? PasswordHasher.GenerateSecret(48);
        var secretHash = await gate.RunAsync(() => PasswordHasher.Hash(secret, settings.PasswordIterations), cancellationToken);
        var credential = new ApplicationCredentialRecord
        {
            Id = Identifiers.NewHexId(),
            Name = body.RequireString("name"),
            UserId = userId,
            ProjectId = caller.ProjectId,
            SecretHash = secretHash,
            Description = body.OptionalString("description", 65535) ?? "",
            ExpiresAt = expiresAt,
            Unrestricted = body.OptionalBool("unrestricted") ?? false,
            RoleIds = string.Join(' ', roleIds.Distinct()),
            CreatedAt = IdentityRequest.Now(clock),
        };
        await credentials.CreateAsync(credential, cancellationToken);
        var json = await ToJsonAsync(credential, roles, context.Request, cancellationToken);
        json["secret"] = secret; // shown once, never stored in clear
        return KeystoneResponses.Single("application_credential", json, StatusCodes.Status201Created);
    }

    private static async Task<IResult> DeleteAsync(string userId, string id, HttpContext context, ApplicationCredentialStore credentials, RevocationList revocations,
        PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:delete_application_credential", Target(userId));
        var credential = await credentials.FindAsync(id, cancellationToken);
        if (credential is null || credential.UserId != userId)
            throw ApiFault.NotFound($"Could not find Application Credential: {id}.");
        await credentials.DeleteAsync(id, cancellationToken);
        return Results.NoContent();
    }
}
