using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api.Aws;

/// <summary>
/// Reads a request's SigV4 claims (header or presigned query) and refuses, before any lookup,
/// the ones that cannot be valid: malformed, for another service, too far from our clock, expired.
/// </summary>
public static class SigV4RequestParser
{
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);
    private const int MaxPresignedSeconds = 7 * 24 * 3600;

    public static SignedRequest Parse(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, DateTimeOffset now, SigV4Scope expected)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(SigV4Signer.Algorithm, StringComparison.Ordinal))
            return FromHeader(request, authorization, now, expected);
        if (Find(query, "X-Amz-Algorithm") is { } algorithm)
        {
            if (algorithm != SigV4Signer.Algorithm)
                throw AwsAuthException.InvalidArgument("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
            return FromQuery(request, query, now, expected);
        }
        throw AwsAuthException.AccessDenied("Anonymous access is not allowed; sign the request with AWS Signature Version 4 (or 2).");
    }

    private static SignedRequest FromHeader(HttpRequest request, string authorization, DateTimeOffset now, SigV4Scope expected)
    {
        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in authorization[SigV4Signer.Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (equals < 0)
                continue;
            var value = part[(equals + 1)..].Trim();
            switch (part[..equals].Trim())
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }
        if (credential is null || signedHeaders is null || signature is null)
            throw Malformed("The authorization header is malformed; it must name Credential, SignedHeaders and Signature.");

        var amzDate = request.Headers["x-amz-date"].ToString();
        if (amzDate.Length == 0 && DateTimeOffset.TryParseExact(request.Headers.Date.ToString(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            amzDate = date.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var time = ParseAmzDate(amzDate) ?? throw AwsAuthException.AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
        if ((time - now).Duration() > AllowedSkew)
            throw Skewed(amzDate, now);

        var payloadHash = request.Headers["x-amz-content-sha256"].ToString();
        // Only S3 requires the header; other services sign the body's hash, which the caller fills in
        // (an empty PayloadHash) once it has read the body.
        if (payloadHash.Length == 0 && expected.Service != "s3")
            return Build(credential, signedHeaders, signature, amzDate, "", presigned: false, expected);
        if (payloadHash.Length == 0)
            throw AwsAuthException.InvalidRequest("Missing required header for this request: x-amz-content-sha256");
        if (payloadHash.Length != 64 && payloadHash is not SignedRequest.UnsignedPayload and not SignedRequest.StreamingPayload
                and not SignedRequest.StreamingPayloadTrailer and not SignedRequest.StreamingUnsignedTrailer)
            throw AwsAuthException.InvalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER), STREAMING-UNSIGNED-PAYLOAD-TRAILER, or a valid sha256 value.");
        return Build(credential, signedHeaders, signature, amzDate, payloadHash, presigned: false, expected);
    }

    private static SignedRequest FromQuery(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, DateTimeOffset now, SigV4Scope expected)
    {
        var credential = Find(query, "X-Amz-Credential");
        var amzDate = Find(query, "X-Amz-Date");
        var expires = Find(query, "X-Amz-Expires");
        var signedHeaders = Find(query, "X-Amz-SignedHeaders");
        var signature = Find(query, "X-Amz-Signature");
        if (credential is null || amzDate is null || expires is null || signedHeaders is null || signature is null)
            throw AwsAuthException.AccessDenied("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
        var time = ParseAmzDate(amzDate) ?? throw AwsAuthException.AccessDenied("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        if (!int.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxPresignedSeconds)
            throw AwsAuthException.AuthorizationQueryParametersError("X-Amz-Expires must be a number of seconds no greater than 604800 (seven days)");
        if (time - now > AllowedSkew)
            throw Skewed(amzDate, now);
        if (now > time.AddSeconds(seconds))
            throw AwsAuthException.AccessDenied("Request has expired").With("Expires", time.AddSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        // A presigned URL cannot know the body: unless a signed header names its hash, it is unsigned.
        var payloadHash = request.Headers["x-amz-content-sha256"].ToString();
        var signsHash = signedHeaders.Split(';').Contains("x-amz-content-sha256");
        return Build(credential, signedHeaders, signature, amzDate, signsHash && payloadHash.Length > 0 ? payloadHash : SignedRequest.UnsignedPayload, presigned: true, expected);
    }

    private static SignedRequest Build(string credential, string signedHeaders, string signature, string amzDate, string payloadHash, bool presigned, SigV4Scope expected)
    {
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
            throw Malformed($"The credential '{credential}' is malformed; expected \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
        if (scope[1] != amzDate[..8])
            throw Malformed($"The credential's date '{scope[1]}' is not the request's date '{amzDate[..8]}'.");
        if (scope[2] != expected.Region)
            throw Malformed($"The authorization header is malformed; the region '{scope[2]}' is wrong; expecting '{expected.Region}'").With("Region", expected.Region);
        if (scope[3] != expected.Service)
            throw Malformed($"The credential's service '{scope[3]}' is wrong; expecting '{expected.Service}'.");
        var headers = signedHeaders.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(h => h.ToLowerInvariant()).ToList();
        return new SignedRequest(scope[0], amzDate, scope[1], scope[2], scope[3], headers, signature, payloadHash, presigned);
    }

    private static DateTimeOffset? ParseAmzDate(string value) =>
        DateTimeOffset.TryParseExact(value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    private static string? Find(IReadOnlyList<KeyValuePair<string, string>> query, string name)
    {
        foreach (var (key, value) in query)
        {
            if (key == name)
                return value;
        }
        return null;
    }

    private static AwsAuthException Malformed(string message) => new(400, "AuthorizationHeaderMalformed", message);

    private static AwsAuthException Skewed(string amzDate, DateTimeOffset now) =>
        new AwsAuthException(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
            .With("RequestTime", amzDate)
            .With("ServerTime", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
            .With("MaxAllowedSkewMilliseconds", "900000");
}
