using System.Security.Cryptography;
using CloudBox.Core.Ids;
using CloudBox.Dashboard.Sessions;

namespace CloudBox.Dashboard.Login;

/// <summary>
/// Logs a browser in: gets a project-scoped token from Identity (password or application credential; a user
/// who names no project gets their default one, else the first project they may use), stores it as a session.
/// </summary>
internal sealed class LoginService(IdentityClient identity, SessionStore sessions, TimeProvider clock)
{
    /// <summary>The new session's cookie value and row, or the message to show on the login form.</summary>
    public sealed record Result(string? CookieValue, DashboardSession? Session, string? Error);

    public async Task<Result> PasswordAsync(string domain, string username, string password, string? project, CancellationToken cancellationToken)
    {
        var identityBody = new AuthIdentity(["password"], Password: new AuthPassword(new AuthUser(username, new NamedRef(Name: domain), password)));
        var scope = string.IsNullOrEmpty(project) ? null : new AuthScope(new AuthProjectScope(Name: project, Domain: new NamedRef(Name: domain)));
        var outcome = await identity.IssueAsync(identityBody, scope, cancellationToken);
        if (outcome.Token is not null && outcome.Body is { Project: null })
        {
            // Unscoped (no project named, no default project): log in again scoped to the first project the user has a
            // role on. A password login, not a rescope of the unscoped token, so revoking that token ends nothing else.
            var unscoped = outcome.Token;
            var projects = await identity.ProjectsAsync(unscoped, cancellationToken);
            await identity.RevokeAsync(unscoped, cancellationToken);
            if (projects.Count == 0)
                return new Result(null, null, "This user has no role on any project.");
            outcome = await identity.IssueAsync(identityBody, new AuthScope(new AuthProjectScope(Id: projects[0].Id)), cancellationToken);
        }
        return await FinishAsync(outcome, cancellationToken);
    }

    public async Task<Result> ApplicationCredentialAsync(string id, string secret, CancellationToken cancellationToken)
    {
        var outcome = await identity.IssueAsync(new AuthIdentity(["application_credential"], ApplicationCredential: new AuthApplicationCredential(id, secret)), null, cancellationToken);
        return await FinishAsync(outcome, cancellationToken);
    }

    private async Task<Result> FinishAsync(IdentityClient.Outcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Token is null || outcome.Body is null)
            return new Result(null, null, outcome.Status == 401 ? "The user name or password is wrong, or the account is disabled." : $"Identity refused the login: {outcome.Error}");
        if (outcome.Body.Project is null)
            return new Result(null, null, "The dashboard needs a project-scoped login; this one has no project.");

        var body = outcome.Body!;
        var cookie = RandomSecret();
        var session = new DashboardSession
        {
            IdHash = SessionStore.Hash(cookie),
            Token = outcome.Token!,
            Csrf = RandomSecret(),
            UserId = body.User.Id,
            UserName = body.User.Name,
            DomainName = body.User.Domain.Name ?? "",
            ProjectId = body.Project!.Id,
            ProjectName = body.Project.Name,
            IsAdmin = body.Roles?.Any(r => r.Name == "admin") == true,
            ExpiresAt = Timestamps.ToStorage(Timestamps.FromStorage(body.ExpiresAt)),
            CreatedAt = Timestamps.ToStorage(clock.GetUtcNow()),
        };
        await sessions.CreateAsync(session, cancellationToken);
        return new Result(cookie, session, null);
    }

    public async Task LogoutAsync(DashboardSession session, CancellationToken cancellationToken)
    {
        await identity.RevokeAsync(session.Token, cancellationToken);
        await sessions.DeleteAsync(session.IdHash, cancellationToken);
    }

    private static string RandomSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
