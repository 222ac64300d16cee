namespace CloudBox.Core.Api.Auth;

/// <summary>An EC2-style access key pair and whom it acts for; S3 requests are signed with <see cref="Secret"/>.</summary>
public sealed record Ec2Credential(string Access, string Secret, string UserId, string ProjectId);

/// <summary>Finds EC2 credentials by access key (implemented by Identity, used by the S3 API).</summary>
public interface IEc2CredentialSource
{
    ValueTask<Ec2Credential?> FindAsync(string accessKey, CancellationToken cancellationToken);

    /// <summary>
    /// Whom a request signed with <paramref name="credential"/> acts as: its user on its project
    /// with the roles the user holds there now, or null when the user, the project or their
    /// domains are disabled or gone, or the user no longer holds any role on the project.
    /// A valid signature proves possession of the secret, not that access is still granted.
    /// </summary>
    ValueTask<CallerContext?> AuthorizeAsync(Ec2Credential credential, CancellationToken cancellationToken);
}
