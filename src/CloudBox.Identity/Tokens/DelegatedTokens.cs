using CloudBox.Core.Api.Auth;

namespace CloudBox.Identity.Tokens;

/// <summary>Issues project-scoped tokens for the service modules that act in a user's name (<see cref="IDelegatedTokens"/>).</summary>
internal sealed class DelegatedTokens(TokenService tokens) : IDelegatedTokens
{
    public async ValueTask<string> IssueAsync(string userId, string projectId, CancellationToken cancellationToken)
    {
        var issued = await tokens.IssueAsync(AuthMethods.Token, userId, TokenScope.Project, projectId,
            applicationCredentialId: null, parent: null, requestedExpiry: null, cancellationToken);
        return issued.Token;
    }
}
