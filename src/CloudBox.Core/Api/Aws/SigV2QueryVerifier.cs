using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Core.Api.Aws;

/// <summary>
/// Signature version 2 of the AWS Query APIs (EC2, older tools such as euca2ools and boto 2): the
/// parameters carry <c>AWSAccessKeyId</c>, <c>SignatureVersion=2</c>, <c>SignatureMethod</c>
/// (<c>HmacSHA256</c> or <c>HmacSHA1</c>), <c>Timestamp</c> or <c>Expires</c> and <c>Signature</c>;
/// the string to sign is the method, the lower-case host, the path and the sorted, encoded parameters.
/// </summary>
public static class SigV2QueryVerifier
{
    public sealed record Claim(string AccessKey, string Signature, string Method);

    /// <summary>The v2 claim of the parameters, or null when they are not signed with version 2.</summary>
    public static Claim? Parse(IReadOnlyDictionary<string, string> parameters, DateTimeOffset now)
    {
        if (!parameters.TryGetValue("SignatureVersion", out var version) || version != "2")
            return null;
        if (!parameters.TryGetValue("AWSAccessKeyId", out var access) || !parameters.TryGetValue("Signature", out var signature))
            throw new AwsAuthException(400, "AuthorizationHeaderMalformed", "Signature version 2 needs AWSAccessKeyId and Signature.");
        var method = parameters.GetValueOrDefault("SignatureMethod") ?? "";
        if (method is not ("HmacSHA256" or "HmacSHA1"))
            throw AwsAuthException.InvalidArgument("SignatureMethod must be HmacSHA256 or HmacSHA1.");
        if (parameters.TryGetValue("Expires", out var expires))
        {
            if (!DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until))
                throw AwsAuthException.AccessDenied("Invalid Expires");
            if (now > until)
                throw AwsAuthException.AccessDenied("Request has expired");
        }
        else if (parameters.TryGetValue("Timestamp", out var timestamp))
        {
            if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                throw AwsAuthException.AccessDenied("Invalid Timestamp");
            if ((time - now).Duration() > SigV4RequestParser.AllowedSkew)
                throw new AwsAuthException(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
        }
        else
        {
            throw AwsAuthException.AccessDenied("Signature version 2 needs a Timestamp or Expires parameter.");
        }
        return new Claim(access, signature, method);
    }

    public static bool Verify(string httpMethod, string host, string path, IReadOnlyDictionary<string, string> parameters, Claim claim, string secret)
    {
        var builder = new StringBuilder();
        builder.Append(httpMethod.ToUpperInvariant()).Append('\n').Append(host.ToLowerInvariant()).Append('\n').Append(path.Length == 0 ? "/" : path).Append('\n');
        var first = true;
        foreach (var (name, value) in parameters.Where(p => p.Key != "Signature").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first)
                builder.Append('&');
            first = false;
            builder.Append(SigV4Encoding.Encode(name)).Append('=').Append(SigV4Encoding.Encode(value));
        }
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.UTF8.GetBytes(builder.ToString());
        var expected = Convert.ToBase64String(claim.Method == "HmacSHA1" ? HMACSHA1.HashData(key, data) : HMACSHA256.HashData(key, data));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(claim.Signature));
    }
}
