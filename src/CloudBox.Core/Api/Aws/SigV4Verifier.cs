using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudBox.Core.Api.Aws;

/// <summary>
/// Recomputes a request's SigV4 signature with the credential's secret and compares it with
/// the one presented. The path is signed as the client sent it (S3 does not normalise it); a
/// client that sent characters raw but signed them encoded is matched by the AWS-encoded form.
/// </summary>
public static class SigV4Verifier
{
    /// <summary>The signing key when the signature matches; null when it does not.</summary>
    public static byte[]? Verify(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> query, SignedRequest signed, string secret)
    {
        var key = SigV4Signer.SigningKey(secret, signed.ScopeDate, signed.Region, signed.Service);
        var headers = CanonicalHeaders(request, signed.SignedHeaders);
        var unsignedQuery = signed.Presigned ? query.Where(p => p.Key != "X-Amz-Signature") : query;
        foreach (var path in CanonicalPathCandidates(RawPath(request)))
        {
            var canonical = SigV4Signer.CanonicalRequest(request.Method, path, unsignedQuery, headers, signed.PayloadHash);
            var signature = SigV4Signer.Signature(key, SigV4Signer.StringToSign(signed.AmzDate, signed.Scope, canonical));
            if (SigV4Signer.SameSignature(signature, signed.Signature))
                return key;
        }
        return null;
    }

    /// <summary>The path exactly as on the request line (before Kestrel's decoding), without the query.</summary>
    public static string RawPath(HttpRequest request)
    {
        var target = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/')
            return (request.PathBase + request.Path).ToUriComponent();
        var question = target.IndexOf('?');
        return question < 0 ? target : target[..question];
    }

    /// <summary>The raw query string (without '?') exactly as sent.</summary>
    public static string RawQuery(HttpRequest request)
    {
        var target = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/')
            return request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        var question = target.IndexOf('?');
        return question < 0 ? "" : target[(question + 1)..];
    }

    private static IEnumerable<string> CanonicalPathCandidates(string rawPath)
    {
        var path = rawPath.Length == 0 ? "/" : rawPath;
        yield return path;
        var reencoded = SigV4Encoding.Encode(SigV4Encoding.Decode(path), keepSlash: true);
        if (reencoded != path)
            yield return reencoded;
    }

    private static List<KeyValuePair<string, string>> CanonicalHeaders(HttpRequest request, IReadOnlyList<string> names)
    {
        var lines = new List<KeyValuePair<string, string>>(names.Count);
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            var values = request.Headers[name];
            var value = values.Count == 1
                ? SigV4Signer.CanonicalHeaderValue(values[0] ?? "")
                : string.Join(',', values.Select(v => SigV4Signer.CanonicalHeaderValue(v ?? "")));
            lines.Add(new(name, value));
        }
        return lines;
    }
}
