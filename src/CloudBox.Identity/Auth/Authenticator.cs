using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Identity.ApplicationCredentials;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Passwords;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Tokens;
using CloudBox.Identity.Users;

namespace CloudBox.Identity.Auth;

/// <summary>
/// Reads the <c>auth</c> object of a token request: checks the identity (password, token or
/// application credential) and settles the requested scope. Every failure to prove identity is
/// the same vague 401, so the answer does not tell which of user or password was wrong.
/// </summary>
public sealed class Authenticator(
    UserStore users, DomainStore domains, ProjectStore projects, ApplicationCredentialStore applicationCredentials,
    TokenService tokens, PasswordGate gate, Lockout lockout, TimeProvider clock)
{
    public async Task<AuthenticatedUser> AuthenticateAsync(JsonObject identity, CancellationToken cancellationToken)
    {
        var methods = identity.OptionalArray("methods") ?? throw ApiFault.BadRequest("Invalid input: 'methods' is a required property.");
        if (methods.Count == 0)
            throw ApiFault.BadRequest("Invalid input for field 'identity/methods': [] is too short.");
        var method = methods[0]?.GetValue<string>();
        return method switch
        {
            "password" => await PasswordAsync(identity.RequireObject("password"), cancellationToken),
            "token" => await TokenAsync(identity.RequireObject("token"), cancellationToken),
            "application_credential" => await ApplicationCredentialAsync(identity.RequireObject("application_credential"), cancellationToken),
            _ => throw ApiFault.Unauthorized($"Attempted to authenticate with an unsupported method."),
        };
    }

    /// <summary>The scope asked for, or the user's default project, or none. Returns (scope, id).</summary>
    public async Task<(TokenScope Scope, string? Id)> ResolveScopeAsync(JsonObject auth, AuthenticatedUser user, CancellationToken cancellationToken)
    {
        if (user.ApplicationCredentialProjectId is not null)
        {
            if (auth["scope"] is JsonObject requested && requested.OptionalObject("project") is { } project
                && project.OptionalString("id") is { } id && id != user.ApplicationCredentialProjectId)
                throw ApiFault.Unauthorized("Application credentials cannot request a scope.");
            return (TokenScope.Project, user.ApplicationCredentialProjectId);
        }

        var scopeNode = auth["scope"];
        if (scopeNode is null)
        {
            if (user.DefaultProjectId is not null && await projects.FindAsync(user.DefaultProjectId, cancellationToken) is { Enabled: true })
                return (TokenScope.Project, user.DefaultProjectId);
            return (TokenScope.Unscoped, null);
        }
        if (scopeNode is JsonValue && scopeNode.GetValue<string>() == "unscoped")
            return (TokenScope.Unscoped, null);
        if (scopeNode is not JsonObject scope)
            throw ApiFault.BadRequest("Invalid input for field 'scope': must be an object or \"unscoped\".");

        if (scope.OptionalObject("project") is { } projectRef)
            return (TokenScope.Project, await ProjectIdAsync(projectRef, cancellationToken));
        if (scope.OptionalObject("domain") is { } domainRef)
            return (TokenScope.Domain, (await DomainAsync(domainRef, cancellationToken)).Id);
        if (scope.OptionalObject("system") is { } system)
        {
            if (system.OptionalBool("all") != true)
                throw ApiFault.BadRequest("Invalid input for field 'scope/system': only {\"all\": true} is supported.");
            return (TokenScope.System, null);
        }
        if (scope.ContainsKey("OS-TRUST:trust"))
            throw new ApiFault(501, "Trusts are not supported by this cloud.");
        throw ApiFault.BadRequest("Invalid input for field 'scope': name a project, a domain or the system.");
    }

    private async Task<AuthenticatedUser> PasswordAsync(JsonObject password, CancellationToken cancellationToken)
    {
        var userRef = password.RequireObject("user");
        var secret = userRef.OptionalString("password", 4096) ?? throw ApiFault.BadRequest("Invalid input: 'password' is a required property.");
        var user = await FindUserAsync(userRef, cancellationToken);
        // A locked user is refused without hashing, as if the password were wrong.
        if (user is not null && await lockout.IsLockedAsync(user.Id, cancellationToken))
            throw ApiFault.Unauthorized();
        // Hash even when the user is unknown, so timing does not reveal which names exist.
        var ok = await gate.RunAsync(() => PasswordHasher.Verify(secret, user?.PasswordHash ?? UnknownUserHash.Value), cancellationToken);
        if (user is not null && !ok)
            await lockout.FailedAsync(user.Id, cancellationToken);
        if (user is null || !ok || !user.Enabled)
            throw ApiFault.Unauthorized();
        await lockout.SucceededAsync(user.Id, cancellationToken);
        await RequireEnabledDomainAsync(user.DomainId, cancellationToken);
        return new AuthenticatedUser(user.Id, AuthMethods.Password, user.DefaultProjectId, null, null, null, null);
    }

    private async Task<AuthenticatedUser> TokenAsync(JsonObject token, CancellationToken cancellationToken)
    {
        var id = token.RequireString("id", 1024);
        var checkedToken = await tokens.CheckAsync(id, allowExpired: false, cancellationToken) ?? throw ApiFault.Unauthorized();
        var parent = checkedToken.Payload;
        if (parent.ApplicationCredentialId is not null)
            throw ApiFault.Forbidden("A token obtained with an application credential cannot be rescoped.");
        var user = await users.FindAsync(parent.UserId, cancellationToken) ?? throw ApiFault.Unauthorized();
        return new AuthenticatedUser(user.Id, parent.Methods | AuthMethods.Token, user.DefaultProjectId, null, null, parent, parent.ExpiresAt);
    }

    private async Task<AuthenticatedUser> ApplicationCredentialAsync(JsonObject credentialRef, CancellationToken cancellationToken)
    {
        var secret = credentialRef.RequireString("secret", 4096);
        ApplicationCredentialRecord? credential;
        if (credentialRef.OptionalString("id") is { } id)
        {
            credential = await applicationCredentials.FindAsync(id, cancellationToken);
        }
        else
        {
            var name = credentialRef.RequireString("name");
            var owner = await FindUserAsync(credentialRef.RequireObject("user"), cancellationToken);
            credential = owner is null ? null : await applicationCredentials.FindByNameAsync(owner.Id, name, cancellationToken);
        }
        var ok = await gate.RunAsync(() => PasswordHasher.Verify(secret, credential?.SecretHash ?? UnknownUserHash.Value), cancellationToken);
        if (credential is null || !ok || credential.IsExpired(clock.GetUtcNow()))
            throw ApiFault.Unauthorized();
        var user = await users.FindAsync(credential.UserId, cancellationToken);
        if (user is null || !user.Enabled)
            throw ApiFault.Unauthorized();
        var expires = credential.ExpiresAt is null ? (DateTimeOffset?)null : Core.Ids.Timestamps.FromStorage(credential.ExpiresAt);
        return new AuthenticatedUser(user.Id, AuthMethods.ApplicationCredential, null, credential.Id, credential.ProjectId, null, expires);
    }

    private async Task<UserRecord?> FindUserAsync(JsonObject userRef, CancellationToken cancellationToken)
    {
        if (userRef.OptionalString("id") is { } id)
            return await users.FindAsync(id, cancellationToken);
        var name = userRef.OptionalString("name") ?? throw ApiFault.BadRequest("Invalid input: the user needs an 'id', or a 'name' and a 'domain'.");
        var domainRef = userRef.OptionalObject("domain") ?? throw ApiFault.BadRequest("Invalid input: a user given by name needs its 'domain'.");
        var domain = await FindDomainAsync(domainRef, cancellationToken);
        return domain is null ? null : await users.FindByNameAsync(name, domain.Id, cancellationToken);
    }

    private async Task<string> ProjectIdAsync(JsonObject projectRef, CancellationToken cancellationToken)
    {
        if (projectRef.OptionalString("id") is { } id)
            return id;
        var name = projectRef.OptionalString("name") ?? throw ApiFault.BadRequest("Invalid input: the project needs an 'id', or a 'name' and a 'domain'.");
        var domainRef = projectRef.OptionalObject("domain") ?? throw ApiFault.BadRequest("Invalid input: a project given by name needs its 'domain'.");
        var domain = await DomainAsync(domainRef, cancellationToken);
        var project = await projects.FindByNameAsync(name, domain.Id, cancellationToken);
        return project?.Id ?? throw ApiFault.Unauthorized();
    }

    private async Task<DomainRecord> DomainAsync(JsonObject domainRef, CancellationToken cancellationToken) =>
        await FindDomainAsync(domainRef, cancellationToken) ?? throw ApiFault.Unauthorized();

    private async Task<DomainRecord?> FindDomainAsync(JsonObject domainRef, CancellationToken cancellationToken)
    {
        if (domainRef.OptionalString("id") is { } id)
            return await domains.FindAsync(id, cancellationToken);
        if (domainRef.OptionalString("name") is { } name)
            return await domains.FindByNameAsync(name, cancellationToken);
        throw ApiFault.BadRequest("Invalid input: a domain needs an 'id' or a 'name'.");
    }

    private async Task RequireEnabledDomainAsync(string domainId, CancellationToken cancellationToken)
    {
        if (await domains.FindAsync(domainId, cancellationToken) is not { Enabled: true })
            throw ApiFault.Unauthorized();
    }

    /// <summary>A hash nobody's password matches, verified when no user was found so the work done is the same.</summary>
    private static readonly Lazy<string> UnknownUserHash = new(() => PasswordHasher.Hash(PasswordHasher.GenerateSecret()));
}
