using CloudBox.Core.Api.Auth;

namespace CloudBox.Identity.Credentials;

public sealed class Ec2CredentialSource(CredentialStore credentials, CredentialCipher cipher) : IEc2CredentialSource
{
    public async ValueTask<Ec2Credential?> FindAsync(string accessKey, CancellationToken cancellationToken)
    {
        var record = await credentials.FindByAccessKeyAsync(accessKey, cancellationToken);
        if (record is null || record.Type != CredentialRecord.Ec2Type || record.ProjectId is null)
            return null;
        var (access, secret) = Ec2Blob.Parse(cipher.Open(record.EncryptedBlob));
        return new Ec2Credential(access, secret, record.UserId, record.ProjectId);
    }
}
