using System.Security.Cryptography;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Identity.Auth;

namespace CloudBox.Identity.Tokens;

/// <summary>
/// Issues and validates tokens. Validation is in-process and in-memory on the common path:
/// open the sealed payload, check expiry and revocation, then the cached scope resolution.
/// </summary>
public sealed class TokenService(TokenKeyRepository keys, RevocationList revocations, AccessResolver resolver, TimeProvider clock, IdentitySettings settings)
    : ITokenValidator
{
    public TimeSpan Lifetime => settings.TokenLifetime;

    /// <summary>
    /// Seals a new token for <paramref name="userId"/> in the given scope, after checking the scope
    /// as validation would (answers 401 when the user may not have it). A token obtained from
    /// another token keeps its expiry and audit chain.
    /// </summary>
    public async Task<IssuedToken> IssueAsync(AuthMethods methods, string userId, TokenScope scope, string? scopeId,
        string? applicationCredentialId, TokenPayload? parent, DateTimeOffset? requestedExpiry, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var expires = parent?.ExpiresAt ?? now + settings.TokenLifetime;
        if (requestedExpiry is { } requested && requested < expires)
            expires = requested;
        var payload = new TokenPayload(methods, userId, scope, scopeId, now, expires, NewAuditId(), parent?.AuditId, applicationCredentialId);

        var access = await resolver.LoadAsync(payload, cancellationToken);
        if (access is null)
        {
            // Keystone's generic answer: which user or project (or that the user exists) is no caller's business.
            throw ApiFault.Unauthorized();
        }
        return new IssuedToken(TokenFormat.Seal(payload, keys.Primary), payload, access);
    }

    /// <summary>Opens and checks a token; null when it is invalid for any reason.</summary>
    public async ValueTask<(TokenPayload Payload, ResolvedAccess Access)?> CheckAsync(string token, bool allowExpired, CancellationToken cancellationToken)
    {
        if (!TokenFormat.TryOpen(token, keys, out var payload) || payload is null)
            return null;
        if (!allowExpired && payload.ExpiresAt <= clock.GetUtcNow())
            return null;
        if (revocations.IsRevoked(payload))
            return null;
        var access = await resolver.ResolveAsync(payload, cancellationToken);
        return access is null ? null : (payload, access);
    }

    public async ValueTask<CallerContext?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var checkedToken = await CheckAsync(token, allowExpired: false, cancellationToken);
        if (checkedToken is null)
            return null;
        var (payload, access) = checkedToken.Value;
        return new CallerContext
        {
            Token = token,
            UserId = access.UserId,
            UserName = access.UserName,
            UserDomainId = access.UserDomainId,
            UserDomainName = access.UserDomainName,
            ProjectId = access.ProjectId,
            ProjectName = access.ProjectName,
            ProjectDomainId = access.ProjectDomainId,
            ProjectDomainName = access.ProjectDomainName,
            DomainId = access.DomainId,
            DomainName = access.DomainName,
            SystemScope = access.System,
            Roles = access.Roles,
            Methods = AuthMethodNames.ToList(payload.Methods),
            AuditIds = payload.AuditIds,
            IssuedAt = payload.IssuedAt,
            ExpiresAt = payload.ExpiresAt,
            ApplicationCredentialId = payload.ApplicationCredentialId,
        };
    }

    /// <summary>Keystone's audit id: 16 random bytes, URL-safe base64 (22 characters).</summary>
    private static string NewAuditId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.Encode(bytes);
    }
}
