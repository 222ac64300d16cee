using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api.Aws;

/// <summary>
/// The legacy HMAC-SHA1 signature (S3 "signature version 2") in its query form
/// (<c>AWSAccessKeyId</c>, <c>Expires</c>, <c>Signature</c>) and header form (<c>AWS key:signature</c>).
/// awscli 1.x still presigns URLs this way by default. It never signs the body.
/// </summary>
public static class SigV2Verifier
{
    /// <summary>Sub-resources that are part of what is signed, as S3 lists them.</summary>
    private static readonly string[] SignedSubresources =
    [
        "acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy", "requestPayment",
        "response-cache-control", "response-content-disposition", "response-content-encoding", "response-content-language",
        "response-content-type", "response-expires", "restore", "tagging", "torrent", "uploadId", "uploads", "versionId",
        "versioning", "versions", "website",
    ];

    public sealed record Claim(string AccessKey, string Signature, string DateOrExpires);

    /// <summary>The v2 claim of a request, or null when it is not signed with v2.</summary>
    public static Claim? Parse(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, DateTimeOffset now)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("AWS ", StringComparison.Ordinal))
        {
            var colon = authorization.LastIndexOf(':');
            if (colon < 4)
                throw AwsAuthException.InvalidArgument("Authorization header is invalid -- one and only one ' ' (space) required");
            var amzDate = request.Headers["x-amz-date"].ToString();
            var dateText = amzDate.Length > 0 ? amzDate : request.Headers.Date.ToString();
            if (!DateTimeOffset.TryParse(dateText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                throw AwsAuthException.AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
            if ((date - now).Duration() > SigV4RequestParser.AllowedSkew)
                throw new AwsAuthException(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
            // With x-amz-date present the Date line is signed empty; x-amz-date is signed among the amz headers.
            return new Claim(authorization[4..colon].Trim(), authorization[(colon + 1)..].Trim(), amzDate.Length > 0 ? "" : request.Headers.Date.ToString());
        }

        string? access = null, signature = null, expires = null;
        foreach (var (name, value) in query)
        {
            switch (name)
            {
                case "AWSAccessKeyId": access = value; break;
                case "Signature": signature = value; break;
                case "Expires": expires = value; break;
            }
        }
        if (access is null || signature is null || expires is null)
            return null;
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt))
            throw AwsAuthException.AccessDenied("Invalid date (should be seconds since epoch)");
        if (now.ToUnixTimeSeconds() > expiresAt)
            throw AwsAuthException.AccessDenied("Request has expired");
        return new Claim(access, signature, expires);
    }

    /// <param name="hostBucket">The bucket named by the host (virtual-hosted style), signed as a path prefix; null for path-style.</param>
    public static bool Verify(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, Claim claim, string secret, string? hostBucket)
    {
        var stringToSign = StringToSign(request, query, claim.DateOrExpires, hostBucket);
        var expected = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(claim.Signature));
    }

    private static string StringToSign(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, string dateOrExpires, string? hostBucket)
    {
        var builder = new StringBuilder();
        builder.Append(request.Method).Append('\n');
        builder.Append(request.Headers["Content-MD5"].ToString()).Append('\n');
        builder.Append(request.Headers.ContentType.ToString()).Append('\n');
        builder.Append(dateOrExpires).Append('\n');
        foreach (var header in request.Headers.Where(h => h.Key.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(',', h.Value.Select(v => (v ?? "").Trim()))))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
            builder.Append(header.Name).Append(':').Append(header.Value).Append('\n');
        if (hostBucket is not null)
            builder.Append('/').Append(hostBucket);
        builder.Append(SigV4Verifier.RawPath(request));
        var separator = '?';
        foreach (var (name, value) in query.Where(p => SignedSubresources.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            builder.Append(separator).Append(name);
            if (value.Length > 0)
                builder.Append('=').Append(value);
            separator = '&';
        }
        return builder.ToString();
    }
}
