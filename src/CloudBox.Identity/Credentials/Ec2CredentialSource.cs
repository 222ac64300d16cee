using CloudBox.Core.Api.Auth;
using CloudBox.Identity.Auth;
using CloudBox.Identity.Tokens;

namespace CloudBox.Identity.Credentials;

public sealed class Ec2CredentialSource(CredentialStore credentials, CredentialCipher cipher, AccessResolver access, TimeProvider clock) : IEc2CredentialSource
{
    public async ValueTask<Ec2Credential?> FindAsync(string accessKey, CancellationToken cancellationToken)
    {
        var record = await credentials.FindByAccessKeyAsync(accessKey, cancellationToken);
        if (record is null || record.Type != CredentialRecord.Ec2Type || record.ProjectId is null)
            return null;
        var (accessId, secret) = Ec2Blob.Parse(cipher.Open(record.EncryptedBlob));
        return new Ec2Credential(accessId, secret, record.UserId, record.ProjectId);
    }

    public async ValueTask<CallerContext?> AuthorizeAsync(Ec2Credential credential, CancellationToken cancellationToken)
    {
        // The same checks (and cache) as validating a project-scoped token of the credential's user.
        var now = clock.GetUtcNow();
        var payload = new TokenPayload(AuthMethods.None, credential.UserId, TokenScope.Project, credential.ProjectId, now, now, "", null, null);
        var resolved = await access.ResolveAsync(payload, cancellationToken);
        if (resolved is null)
            return null;
        return new CallerContext
        {
            Token = "",
            UserId = resolved.UserId,
            UserName = resolved.UserName,
            UserDomainId = resolved.UserDomainId,
            UserDomainName = resolved.UserDomainName,
            ProjectId = resolved.ProjectId,
            ProjectName = resolved.ProjectName,
            ProjectDomainId = resolved.ProjectDomainId,
            ProjectDomainName = resolved.ProjectDomainName,
            Roles = resolved.Roles,
            Methods = ["ec2credential"],
            IssuedAt = now,
            ExpiresAt = now,
        };
    }
}
