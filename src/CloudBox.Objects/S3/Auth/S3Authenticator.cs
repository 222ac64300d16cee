using CloudBox.Core.Api.Aws;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Configuration;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3.Auth;

/// <summary>
/// Authenticates an S3 request: parses its SigV4 claims (with the shared AWS signature code of
/// <c>CloudBox.Core.Api.Aws</c>, for service <c>s3</c> in this cloud's region), finds the EC2 credential of the access
/// key, checks the signature with its secret, and asks Identity whether the credential's user
/// still holds a role on the credential's project.
/// </summary>
internal sealed class S3Authenticator(IEc2CredentialSource credentials, TimeProvider clock, CloudBoxOptions options)
{
    private readonly SigV4Scope _scope = new("s3", options.RegionName);

    public async Task<S3Caller> AuthenticateAsync(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, string? hostBucket, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (SigV2Verifier.Parse(request, query, now) is { } legacy)
            return await AuthenticateV2Async(request, query, legacy, hostBucket, cancellationToken);
        var signed = SigV4RequestParser.Parse(request, query, now, _scope);
        var credential = await credentials.FindAsync(signed.AccessKey, cancellationToken) ?? throw S3Error.InvalidAccessKeyId().With("AWSAccessKeyId", signed.AccessKey);
        var key = SigV4Verifier.Verify(request, query, signed, credential.Secret) ?? throw S3Error.SignatureDoesNotMatch().With("AWSAccessKeyId", signed.AccessKey);
        var caller = await credentials.AuthorizeAsync(credential, cancellationToken)
            ?? throw S3Error.AccessDenied("The credential's user no longer has access to its project.");
        return new S3Caller(caller, signed, key);
    }

    private async Task<S3Caller> AuthenticateV2Async(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, SigV2Verifier.Claim claim, string? hostBucket, CancellationToken cancellationToken)
    {
        var credential = await credentials.FindAsync(claim.AccessKey, cancellationToken) ?? throw S3Error.InvalidAccessKeyId().With("AWSAccessKeyId", claim.AccessKey);
        if (!SigV2Verifier.Verify(request, query, claim, credential.Secret, hostBucket))
            throw S3Error.SignatureDoesNotMatch().With("AWSAccessKeyId", claim.AccessKey);
        var caller = await credentials.AuthorizeAsync(credential, cancellationToken)
            ?? throw S3Error.AccessDenied("The credential's user no longer has access to its project.");
        // Version 2 never signs the body: it is stored as sent, checked only against Content-MD5.
        var unsigned = new SignedRequest(claim.AccessKey, "", "", "", "s3", [], claim.Signature, SignedRequest.UnsignedPayload, Presigned: true);
        return new S3Caller(caller, unsigned, []);
    }
}
