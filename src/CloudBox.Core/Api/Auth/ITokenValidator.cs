namespace CloudBox.Core.Api.Auth;

/// <summary>
/// Validates a token in-process (implemented by the Identity module). Returns null for a token
/// that is malformed, forged, expired or revoked, or whose user, project or domain is gone or disabled.
/// </summary>
public interface ITokenValidator
{
    ValueTask<CallerContext?> ValidateAsync(string token, CancellationToken cancellationToken);
}
