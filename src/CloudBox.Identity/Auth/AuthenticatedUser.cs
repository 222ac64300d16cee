using CloudBox.Identity.Tokens;

namespace CloudBox.Identity.Auth;

/// <summary>
/// The outcome of the identity half of <c>POST /v3/auth/tokens</c>: who proved themselves, how,
/// and what the proof itself fixes (an application credential fixes the project; a token fixes
/// expiry and audit chain).
/// </summary>
public sealed record AuthenticatedUser(
    string UserId,
    AuthMethods Methods,
    string? DefaultProjectId,
    string? ApplicationCredentialId,
    string? ApplicationCredentialProjectId,
    TokenPayload? ParentToken,
    DateTimeOffset? ExpiresAt);
