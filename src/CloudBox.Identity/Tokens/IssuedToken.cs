using CloudBox.Identity.Auth;

namespace CloudBox.Identity.Tokens;

/// <summary>A token and what it resolves to: enough to write the token body.</summary>
public sealed record IssuedToken(string Token, TokenPayload Payload, ResolvedAccess Access);
