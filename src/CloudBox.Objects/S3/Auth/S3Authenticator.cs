using CloudBox.Core.Api.Auth;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3.Auth;

/// <summary>
/// Authenticates an S3 request: parses its SigV4 claims, finds the EC2 credential of the access
/// key, checks the signature with its secret, and asks Identity whether the credential's user
/// still holds a role on the credential's project.
/// </summary>
internal sealed class S3Authenticator(IEc2CredentialSource credentials, TimeProvider clock)
{
    public async Task<S3Caller> AuthenticateAsync(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken)
    {
        var signed = SigV4RequestParser.Parse(request, query, clock.GetUtcNow());
        var credential = await credentials.FindAsync(signed.AccessKey, cancellationToken) ?? throw S3Error.InvalidAccessKeyId().With("AWSAccessKeyId", signed.AccessKey);
        var key = SigV4Verifier.Verify(request, query, signed, credential.Secret) ?? throw S3Error.SignatureDoesNotMatch().With("AWSAccessKeyId", signed.AccessKey);
        var caller = await credentials.AuthorizeAsync(credential, cancellationToken)
            ?? throw S3Error.AccessDenied("The credential's user no longer has access to its project.");
        return new S3Caller(caller, signed, key);
    }
}
