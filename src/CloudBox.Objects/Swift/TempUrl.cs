using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Objects.Swift;

/// <summary>
/// TempURL: a request for one object carrying <c>temp_url_sig</c> and <c>temp_url_expires</c> is
/// authorized when the signature is the HMAC of "METHOD\nEXPIRES\nPATH" under one of the account's
/// or container's <c>Temp-URL-Key</c>s. SHA-1, SHA-256 and SHA-512, as hex or "digest:base64".
/// </summary>
internal static class TempUrl
{
    private static readonly string[] KeyNames = ["temp-url-key", "temp-url-key-2"];

    public static bool IsPresent(SwiftRequest request) => request.HasQuery("temp_url_sig") || request.HasQuery("temp_url_expires");

    /// <summary>Checks the signature; answers 401 "Temp URL invalid" unless it holds.</summary>
    public static async Task VerifyAsync(SwiftRequest request, Dictionary<string, string> containerMetadata)
    {
        var signature = request.Query("temp_url_sig") ?? "";
        var expiresText = request.Query("temp_url_expires") ?? "";
        var method = request.Request.Method.ToUpperInvariant();
        if (request.Path.Object is null || !TryParseExpires(expiresText, out var expires) || expires <= request.Backend.Clock.GetUtcNow().ToUnixTimeSeconds())
            throw Invalid();
        if (method is not ("GET" or "HEAD" or "PUT" or "POST" or "DELETE"))
            throw Invalid();

        var keys = new List<string>();
        var account = await request.Store.AccountMetadataAsync(request.ProjectId, request.Aborted);
        foreach (var name in KeyNames)
        {
            if (account.TryGetValue(name, out var key))
                keys.Add(key);
            if (containerMetadata.TryGetValue(name, out key))
                keys.Add(key);
        }
        if (keys.Count == 0 || !TryDecodeSignature(signature, out var algorithm, out var expected))
            throw Invalid();

        // HEAD may use a URL signed for GET, HEAD or PUT, as Swift allows.
        string[] methods = method == "HEAD" ? ["HEAD", "GET", "PUT"] : [method];
        string[] paths = [request.Path.VersionPath, request.Request.Path.Value ?? ""];
        foreach (var key in keys)
        {
            foreach (var signedMethod in methods)
            {
                foreach (var path in paths)
                {
                    var body = Encoding.UTF8.GetBytes($"{signedMethod}\n{expiresText}\n{path}");
                    var actual = Hmac(algorithm, Encoding.UTF8.GetBytes(key), body);
                    if (CryptographicOperations.FixedTimeEquals(actual, expected))
                        return;
                }
            }
        }
        throw Invalid();
    }

    public static byte[] Hmac(HashAlgorithmName algorithm, byte[] key, byte[] body) =>
        algorithm == HashAlgorithmName.SHA1 ? HMACSHA1.HashData(key, body)
        : algorithm == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, body)
        : HMACSHA512.HashData(key, body);

    private static bool TryParseExpires(string text, out long expires)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out expires))
            return true;
        if (DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            expires = at.ToUnixTimeSeconds();
            return true;
        }
        return false;
    }

    private static bool TryDecodeSignature(string signature, out HashAlgorithmName algorithm, out byte[] digest)
    {
        algorithm = default;
        digest = [];
        var colon = signature.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            algorithm = signature[..colon] switch
            {
                "sha1" => HashAlgorithmName.SHA1,
                "sha256" => HashAlgorithmName.SHA256,
                "sha512" => HashAlgorithmName.SHA512,
                _ => default,
            };
            if (algorithm == default)
                return false;
            var text = signature[(colon + 1)..].Replace('-', '+').Replace('_', '/');
            text = text.PadRight(text.Length + ((4 - text.Length % 4) % 4), '=');
            try
            {
                digest = Convert.FromBase64String(text);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }
        algorithm = signature.Length switch
        {
            40 => HashAlgorithmName.SHA1,
            64 => HashAlgorithmName.SHA256,
            128 => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (algorithm == default)
            return false;
        try
        {
            digest = Convert.FromHexString(signature);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static Core.Api.ApiFault Invalid() => new(401, "Temp URL invalid", "Unauthorized");
}
