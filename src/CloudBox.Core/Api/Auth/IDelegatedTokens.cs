namespace CloudBox.Core.Api.Auth;

/// <summary>
/// Tokens a service module obtains to act for a user, as Heat does with a trust and ec2-api with an EC2
/// token: a project-scoped token for <c>userId</c> on <c>projectId</c> carrying the roles the user
/// holds there now (implemented by Identity). It fails with a 401 fault when the user, the project or
/// their domains are disabled or gone, or the user holds no role on the project any more, so rights
/// taken away from the user are taken away from the work done in their name.
/// </summary>
public interface IDelegatedTokens
{
    ValueTask<string> IssueAsync(string userId, string projectId, CancellationToken cancellationToken);
}
