using System.Security.Cryptography;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Aws;
using CloudBox.Core.Configuration;
using CloudBox.Ec2.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Ec2.Auth;

/// <summary>
/// Authenticates an EC2 request with the shared AWS signature code: SigV4 (header or presigned
/// query, service <c>ec2</c>, this cloud's region; the body's hash is computed here, as EC2 clients
/// do not send it) or the Query API's signature version 2; then the EC2 credential's secret, and
/// whether its user still holds a role on its project. Refusals are EC2's codes.
/// </summary>
internal sealed class Ec2Authenticator(IEc2CredentialSource credentials, TimeProvider clock, CloudBoxOptions options)
{
    private readonly SigV4Scope _scope = new("ec2", options.RegionName);

    public async Task<Ec2Caller> AuthenticateAsync(HttpRequest request, byte[] body, Ec2Request parameters, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        try
        {
            if (SigV2QueryVerifier.Parse(parameters.Parameters, now) is { } legacy)
            {
                var credential = await FindAsync(legacy.AccessKey, cancellationToken);
                if (!SigV2QueryVerifier.Verify(request.Method, request.Host.Value ?? "", SigV4Verifier.RawPath(request), parameters.Parameters, legacy, credential.Secret))
                    throw Ec2Error.SignatureDoesNotMatch();
                return await AuthorizeAsync(credential, cancellationToken);
            }
            var query = SigV4Encoding.ParseQuery(SigV4Verifier.RawQuery(request));
            var signed = SigV4RequestParser.Parse(request, query, now, _scope);
            if (signed.PayloadHash.Length == 0)
                signed = signed with { PayloadHash = Convert.ToHexStringLower(SHA256.HashData(body)) };
            var found = await FindAsync(signed.AccessKey, cancellationToken);
            if (SigV4Verifier.Verify(request, query, signed, found.Secret) is null)
                throw Ec2Error.SignatureDoesNotMatch();
            return await AuthorizeAsync(found, cancellationToken);
        }
        catch (AwsAuthException refused)
        {
            throw Translate(refused);
        }
    }

    private async Task<Ec2Credential> FindAsync(string accessKey, CancellationToken cancellationToken) =>
        await credentials.FindAsync(accessKey, cancellationToken) ?? throw Ec2Error.AuthFailure();

    private async Task<Ec2Caller> AuthorizeAsync(Ec2Credential credential, CancellationToken cancellationToken)
    {
        var context = await credentials.AuthorizeAsync(credential, cancellationToken)
            ?? throw Ec2Error.AuthFailure("The credential's user no longer has access to its project.");
        return new Ec2Caller(context, credential.UserId, credential.ProjectId);
    }

    /// <summary>S3's refusal codes as EC2 spells them.</summary>
    internal static Ec2Error Translate(AwsAuthException refused)
    {
        if (refused.IsWrongRegion)
            return new Ec2Error(401, "AuthFailure", $"Credential should be scoped to a valid region. {refused.Message}");
        if (refused.IsExpiry)
            return new Ec2Error(400, "RequestExpired", "Request has expired.");
        if (refused.Code == "AccessDenied" && refused.Message.StartsWith("Anonymous", StringComparison.Ordinal))
            return new Ec2Error(401, "MissingAuthenticationToken", "Request is missing Authentication Token");
        return new Ec2Error(400, "IncompleteSignature", refused.Message);
    }
}
