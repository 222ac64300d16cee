using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Core.Api.Aws;

/// <summary>
/// The arithmetic of AWS Signature Version 4 (S3, EC2): canonical request, string to sign,
/// signing key and signature. Pure functions; what goes in is decided by <see cref="SigV4Verifier"/>.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// Method, path, query (sorted by encoded name then value), the signed headers' canonical
    /// lines, the signed header list and the payload hash, one per line.
    /// </summary>
    public static string CanonicalRequest(string method, string canonicalPath, IEnumerable<KeyValuePair<string, string>> query,
        IReadOnlyList<KeyValuePair<string, string>> signedHeaders, string payloadHash)
    {
        var encoded = query.Select(p => (Name: SigV4Encoding.Encode(p.Key), Value: SigV4Encoding.Encode(p.Value))).ToList();
        encoded.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        var builder = new StringBuilder(256);
        builder.Append(method).Append('\n').Append(canonicalPath).Append('\n');
        builder.AppendJoin('&', encoded.Select(p => p.Name + "=" + p.Value)).Append('\n');
        foreach (var (name, value) in signedHeaders)
            builder.Append(name).Append(':').Append(value).Append('\n');
        builder.Append('\n');
        builder.AppendJoin(';', signedHeaders.Select(h => h.Key)).Append('\n');
        builder.Append(payloadHash);
        return builder.ToString();
    }

    /// <summary>A header value as signed: trimmed, inner runs of spaces collapsed to one.</summary>
    public static string CanonicalHeaderValue(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal) && !trimmed.Contains('\t'))
            return trimmed;
        var builder = new StringBuilder(trimmed.Length);
        var previousSpace = false;
        foreach (var c in trimmed)
        {
            var space = c is ' ' or '\t';
            if (space && previousSpace)
                continue;
            builder.Append(space ? ' ' : c);
            previousSpace = space;
        }
        return builder.ToString();
    }

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{Sha256Hex(canonicalRequest)}";

    /// <summary>The string to sign for one chunk of a <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c> body, chained to the previous signature.</summary>
    public static string ChunkStringToSign(string amzDate, string scope, string previousSignature, string chunkSha256Hex) =>
        $"{Algorithm}-PAYLOAD\n{amzDate}\n{scope}\n{previousSignature}\n{EmptySha256}\n{chunkSha256Hex}";

    /// <summary>HMAC chain secret → date → region → service → "aws4_request".</summary>
    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string Signature(byte[] signingKey, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Compares two hex signatures in constant time.</summary>
    public static bool SameSignature(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented.ToLowerInvariant()));
}
