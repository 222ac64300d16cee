using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using CloudBox.Identity.Assignments;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Credentials;

/// <summary><c>/v3/credentials</c> and the OS-EC2 view of the same rows, <c>/v3/users/{id}/credentials/OS-EC2</c>.</summary>
public static class CredentialEndpoints
{
    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/credentials", ListAsync);
        v3.MapPost("/credentials", CreateAsync);
        v3.MapGet("/credentials/{id}", GetAsync);
        v3.MapMethods("/credentials/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/credentials/{id}", DeleteAsync);
        v3.MapGet("/users/{userId}/credentials/OS-EC2", Ec2ListAsync);
        v3.MapPost("/users/{userId}/credentials/OS-EC2", Ec2CreateAsync);
        v3.MapGet("/users/{userId}/credentials/OS-EC2/{access}", Ec2GetAsync);
        v3.MapDelete("/users/{userId}/credentials/OS-EC2/{access}", Ec2DeleteAsync);
    }

    private static JsonObject ToJson(CredentialRecord credential, CredentialCipher cipher, HttpRequest request) => new()
    {
        ["id"] = credential.Id,
        ["user_id"] = credential.UserId,
        ["project_id"] = credential.ProjectId,
        ["type"] = credential.Type,
        ["blob"] = cipher.Open(credential.EncryptedBlob),
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/credentials/{credential.Id}"),
    };

    private static JsonObject ToEc2Json(CredentialRecord credential, CredentialCipher cipher, HttpRequest request)
    {
        var (access, secret) = Ec2Blob.Parse(cipher.Open(credential.EncryptedBlob));
        return new JsonObject
        {
            ["user_id"] = credential.UserId,
            ["tenant_id"] = credential.ProjectId,
            ["access"] = access,
            ["secret"] = secret,
            ["trust_id"] = null,
            ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/users/{credential.UserId}/credentials/OS-EC2/{access}"),
        };
    }

    private static PolicyTarget Target(string userId) => new PolicyTarget().Set("target.credential.user_id", userId).Set("target.user.id", userId);

    /// <summary>Keystone's id for an ec2 credential: the SHA-256 of its access key, so one access key is one row.</summary>
    private static string Ec2Id(string access) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(access)));

    private static async Task<IResult> ListAsync(HttpContext context, CredentialStore credentials, CredentialCipher cipher, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.RequireCallerFor(policy, "identity:list_credentials", context.Request.Query("user_id"));
        var userFilter = context.Request.Query("user_id");
        var found = await credentials.ListAsync(userFilter, context.Request.Query("type"), cancellationToken);
        // Without the right to see every credential, a caller sees only their own.
        var visible = found.Where(c => policy.IsAllowed("identity:get_credential", caller, Target(c.UserId)));
        return KeystoneResponses.Collection(context.Request, "credentials", visible.Select(c => ToJson(c, cipher, context.Request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, CredentialStore credentials, CredentialCipher cipher, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var credential = await credentials.FindAsync(id, cancellationToken);
        context.Authorize(policy, "identity:get_credential", Target(credential?.UserId ?? ""));
        return KeystoneResponses.Single("credential", ToJson(credential ?? throw ApiFault.NotFound($"Could not find credential: {id}."), cipher, context.Request));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, CredentialStore credentials, CredentialCipher cipher, UserStore users, ProjectStore projects,
        EffectiveRoles roles, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("credential");
        var userId = body.RequireString("user_id", 64);
        var caller = context.Authorize(policy, "identity:create_credential", Target(userId));
        _ = await users.GetAsync(userId, cancellationToken);
        var type = body.RequireString("type");
        var blob = body.RequireString("blob", 65535);
        var projectId = body.OptionalString("project_id");
        string? access = null;
        if (type == CredentialRecord.Ec2Type)
        {
            if (projectId is null)
                throw ApiFault.BadRequest("Invalid input: an ec2 credential needs a project_id.");
            access = Ec2Blob.Parse(blob).Access;
        }
        if (projectId is not null)
            await RequireRoleOnProjectAsync(caller, userId, await projects.GetAsync(projectId, cancellationToken), roles, cancellationToken);
        var credential = new CredentialRecord
        {
            Id = access is not null ? Ec2Id(access) : Identifiers.NewHexId(),
            UserId = userId,
            ProjectId = projectId,
            Type = type,
            EncryptedBlob = cipher.Seal(blob),
            AccessKey = access,
            CreatedAt = IdentityRequest.Now(clock),
        };
        await credentials.CreateAsync(credential, cancellationToken);
        return KeystoneResponses.Single("credential", ToJson(credential, cipher, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, CredentialStore credentials, CredentialCipher cipher, ProjectStore projects,
        EffectiveRoles roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var credential = await credentials.FindAsync(id, cancellationToken);
        var caller = context.Authorize(policy, "identity:update_credential", Target(credential?.UserId ?? ""));
        if (credential is null)
            throw ApiFault.NotFound($"Could not find credential: {id}.");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("credential");
        if (body.OptionalString("user_id") is { } newUser && newUser != credential.UserId)
            throw ApiFault.BadRequest("Update of `user_id` is not allowed.");
        if (body.Has("project_id") && body.OptionalString("project_id") is { } newProject && newProject != credential.ProjectId)
            await RequireRoleOnProjectAsync(caller, credential.UserId, await projects.GetAsync(newProject, cancellationToken), roles, cancellationToken);
        credential.ProjectId = body.Has("project_id") ? body.OptionalString("project_id") : credential.ProjectId;
        credential.Type = body.OptionalString("type") ?? credential.Type;
        if (body.OptionalString("blob", 65535) is { } blob)
        {
            credential.AccessKey = credential.Type == CredentialRecord.Ec2Type ? Ec2Blob.Parse(blob).Access : null;
            credential.EncryptedBlob = cipher.Seal(blob);
        }
        await credentials.UpdateAsync(credential, cancellationToken);
        return KeystoneResponses.Single("credential", ToJson(credential, cipher, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, CredentialStore credentials, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var credential = await credentials.FindAsync(id, cancellationToken);
        context.Authorize(policy, "identity:delete_credential", Target(credential?.UserId ?? ""));
        if (credential is null)
            throw ApiFault.NotFound($"Could not find credential: {id}.");
        await credentials.DeleteAsync(id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> Ec2ListAsync(string userId, HttpContext context, CredentialStore credentials, CredentialCipher cipher, UserStore users, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:ec2_list_credentials", Target(userId));
        _ = await users.GetAsync(userId, cancellationToken);
        var found = await credentials.ListAsync(userId, CredentialRecord.Ec2Type, cancellationToken);
        return KeystoneResponses.Collection(context.Request, "credentials", found.Select(c => ToEc2Json(c, cipher, context.Request)));
    }

    private static async Task<IResult> Ec2GetAsync(string userId, string access, HttpContext context, CredentialStore credentials, CredentialCipher cipher, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:ec2_get_credential", Target(userId));
        var credential = await credentials.FindByAccessKeyAsync(access, cancellationToken);
        if (credential is null || credential.UserId != userId)
            throw ApiFault.NotFound($"Could not find credential: {access}.");
        return KeystoneResponses.Single("credential", ToEc2Json(credential, cipher, context.Request));
    }

    private static async Task<IResult> Ec2CreateAsync(string userId, HttpContext context, CredentialStore credentials, CredentialCipher cipher, UserStore users,
        ProjectStore projects, EffectiveRoles roles, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "identity:ec2_create_credential", Target(userId));
        _ = await users.GetAsync(userId, cancellationToken);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var projectId = body.OptionalString("tenant_id") ?? body.OptionalString("project_id") ?? caller.ProjectId
            ?? throw ApiFault.BadRequest("Invalid input: 'tenant_id' is a required property.");
        await RequireRoleOnProjectAsync(caller, userId, await projects.GetAsync(projectId, cancellationToken), roles, cancellationToken);
        var access = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var credential = new CredentialRecord
        {
            Id = Ec2Id(access),
            UserId = userId,
            ProjectId = projectId,
            Type = CredentialRecord.Ec2Type,
            EncryptedBlob = cipher.Seal(Ec2Blob.Create(access, secret)),
            AccessKey = access,
            CreatedAt = IdentityRequest.Now(clock),
        };
        await credentials.CreateAsync(credential, cancellationToken);
        return KeystoneResponses.Single("credential", ToEc2Json(credential, cipher, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Ec2DeleteAsync(string userId, string access, HttpContext context, CredentialStore credentials, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:ec2_delete_credential", Target(userId));
        var credential = await credentials.FindByAccessKeyAsync(access, cancellationToken);
        if (credential is null || credential.UserId != userId)
            throw ApiFault.NotFound($"Could not find credential: {access}.");
        await credentials.DeleteAsync(credential.Id, cancellationToken);
        return Results.NoContent();
    }

    /// <summary>
    /// Keystone since CVE-2020-12691: a credential may only name a project its user holds a role on
    /// (an EC2 key for another project would act in it); the admin may name any.
    /// </summary>
    private static async Task RequireRoleOnProjectAsync(Core.Api.Auth.CallerContext caller, string userId, ProjectRecord project, EffectiveRoles roles,
        CancellationToken cancellationToken)
    {
        if (caller.HasRole("admin"))
            return;
        if ((await roles.OnProjectAsync(userId, project, cancellationToken)).Count == 0)
            throw ApiFault.Forbidden("You are not authorized to perform the requested action: the user has no role on the credential's project.");
    }

    private static Core.Api.Auth.CallerContext RequireCallerFor(this HttpContext context, PolicyEngine policy, string action, string? userId) =>
        context.Authorize(policy, action, Target(userId ?? ""));
}
