using System.Collections.Concurrent;
using CloudBox.Core.Api.Auth;
using CloudBox.Identity.ApplicationCredentials;
using CloudBox.Identity.Assignments;
using CloudBox.Identity.Data;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Roles;
using CloudBox.Identity.Tokens;
using CloudBox.Identity.Users;

namespace CloudBox.Identity.Auth;

/// <summary>
/// Resolves a token's user and scope into names and effective roles, refusing a disabled or
/// deleted user, project or domain and a scope the user holds no role on. Results are cached
/// until any identity write (<see cref="IdentityChanges"/>) or, for writes made by other nodes
/// sharing the database, at most <see cref="MaxAge"/>: this keeps token validation in-memory.
/// </summary>
public sealed class AccessResolver(
    UserStore users, DomainStore domains, ProjectStore projects, EffectiveRoles effectiveRoles,
    ApplicationCredentialStore applicationCredentials, IdentityChanges changes, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<AccessKey, CachedAccess> _cache = new();

    public async ValueTask<ResolvedAccess?> ResolveAsync(TokenPayload payload, CancellationToken cancellationToken)
    {
        var key = new AccessKey(payload.UserId, payload.Scope, payload.ScopeId, payload.ApplicationCredentialId);
        var generation = changes.Generation;
        var now = clock.GetTimestamp();
        if (_cache.TryGetValue(key, out var cached) && cached.Generation == generation && clock.GetElapsedTime(cached.LoadedAt, now) < MaxAge)
            return cached.Access;

        var access = await LoadAsync(payload, cancellationToken);
        if (_cache.Count >= MaxEntries)
            _cache.Clear();
        _cache[key] = new CachedAccess(access, generation, now);
        return access;
    }

    /// <summary>The same checks as token validation, uncached: used when a token is issued.</summary>
    public async Task<ResolvedAccess?> LoadAsync(TokenPayload payload, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(payload.UserId, cancellationToken);
        if (user is null || !user.Enabled)
            return null;
        var userDomain = await domains.FindAsync(user.DomainId, cancellationToken);
        if (userDomain is null || !userDomain.Enabled)
            return null;

        ApplicationCredentialRecord? credential = null;
        if (payload.ApplicationCredentialId is not null)
        {
            credential = await applicationCredentials.FindAsync(payload.ApplicationCredentialId, cancellationToken);
            if (credential is null || credential.UserId != user.Id || credential.IsExpired(clock.GetUtcNow()))
                return null;
        }

        switch (payload.Scope)
        {
            case TokenScope.Unscoped:
                return new ResolvedAccess(user.Id, user.Name, userDomain.Id, userDomain.Name, null, null, null, null, null, null, false, [], null, false);

            case TokenScope.Project:
            {
                var project = await projects.FindAsync(payload.ScopeId!, cancellationToken);
                if (project is null || !project.Enabled)
                    return null;
                var projectDomain = project.DomainId == userDomain.Id ? userDomain : await domains.FindAsync(project.DomainId, cancellationToken);
                if (projectDomain is null || !projectDomain.Enabled)
                    return null;
                var roles = await effectiveRoles.OnProjectAsync(user.Id, project, cancellationToken);
                if (credential is not null)
                    roles = await RestrictToCredentialAsync(roles, credential, cancellationToken);
                if (roles.Count == 0)
                    return null;
                return new ResolvedAccess(user.Id, user.Name, userDomain.Id, userDomain.Name, project.Id, project.Name, projectDomain.Id, projectDomain.Name,
                    null, null, false, ToReferences(roles), credential?.Name, credential is { Unrestricted: false });
            }

            case TokenScope.Domain:
            {
                var domain = await domains.FindAsync(payload.ScopeId!, cancellationToken);
                if (domain is null || !domain.Enabled)
                    return null;
                var roles = await effectiveRoles.OnDomainAsync(user.Id, domain.Id, cancellationToken);
                if (roles.Count == 0)
                    return null;
                return new ResolvedAccess(user.Id, user.Name, userDomain.Id, userDomain.Name, null, null, null, null, domain.Id, domain.Name, false, ToReferences(roles), null, false);
            }

            case TokenScope.System:
            {
                var roles = await effectiveRoles.OnSystemAsync(user.Id, cancellationToken);
                if (roles.Count == 0)
                    return null;
                return new ResolvedAccess(user.Id, user.Name, userDomain.Id, userDomain.Name, null, null, null, null, null, null, true, ToReferences(roles), null, false);
            }

            default:
                return null;
        }
    }

    /// <summary>An application credential acts with the roles it was created with, as far as its user still holds them.</summary>
    private async Task<IReadOnlyList<RoleRecord>> RestrictToCredentialAsync(IReadOnlyList<RoleRecord> userRoles, ApplicationCredentialRecord credential, CancellationToken cancellationToken)
    {
        var granted = await effectiveRoles.ExpandAsync(credential.RoleIdList(), cancellationToken);
        var held = userRoles.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        return [.. granted.Where(r => held.Contains(r.Id))];
    }

    private static RoleReference[] ToReferences(IReadOnlyList<RoleRecord> roles)
    {
        var references = new RoleReference[roles.Count];
        for (var i = 0; i < roles.Count; i++)
            references[i] = new RoleReference(roles[i].Id, roles[i].Name);
        return references;
    }

    private readonly record struct AccessKey(string UserId, TokenScope Scope, string? ScopeId, string? ApplicationCredentialId);

    private sealed record CachedAccess(ResolvedAccess? Access, long Generation, long LoadedAt);
}
