namespace CloudBox.Identity.Tokens;

/// <summary>
/// What a token carries, sealed inside it: who, for which scope, obtained how, valid when,
/// and the audit chain that revocation by audit id targets. Roles are not carried: they are
/// resolved at validation, so a removed role takes effect at once.
/// </summary>
public sealed record TokenPayload(
    AuthMethods Methods,
    string UserId,
    TokenScope Scope,
    string? ScopeId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string AuditId,
    string? ParentAuditId,
    string? ApplicationCredentialId)
{
    public IReadOnlyList<string> AuditIds => ParentAuditId is null ? [AuditId] : [AuditId, ParentAuditId];
}
