using System.Collections.Concurrent;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Ec2.OpenStack;

/// <summary>
/// Delegated tokens for the users behind EC2 requests, kept for a minute: every request still
/// proves its signature and the user's current role (Ec2Authenticator), and Identity refuses the
/// token itself once the user loses access, so a minute of reuse only saves issuing one per call.
/// </summary>
internal sealed class TokenCache(IDelegatedTokens tokens, TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<(string User, string Project), (string Token, DateTimeOffset Until)> _tokens = new();

    public async ValueTask<string> TokenAsync(string userId, string projectId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_tokens.TryGetValue((userId, projectId), out var cached) && cached.Until > now)
            return cached.Token;
        var token = await tokens.IssueAsync(userId, projectId, cancellationToken);
        if (_tokens.Count >= MaxEntries)
            _tokens.Clear();
        _tokens[(userId, projectId)] = (token, now + Lifetime);
        return token;
    }

    public void Forget(string userId, string projectId) => _tokens.TryRemove((userId, projectId), out _);
}
