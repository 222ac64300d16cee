using CloudBox.Core.Api.Aws;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using CloudBox.Objects.S3.Auth;

namespace CloudBox.Objects.Tests.S3;

/// <summary>
/// A minimal SigV4 S3 client for tests, signing with the signer that the known-answer tests pin
/// to AWS's published examples (the stock clients run in tests/acceptance/objects-s3.sh).
/// </summary>
public sealed class S3TestClient(string baseUrl, string access, string secret)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public string Access { get; } = access;
    public string Secret { get; } = secret;

    public sealed record Response(HttpStatusCode Status, byte[] Body, HttpResponseMessage Message)
    {
        public string Text => Encoding.UTF8.GetString(Body);
        public XDocument Xml => XDocument.Parse(Text);
        public string? ErrorCode => Body.Length > 0 ? Xml.Root?.Element("Code")?.Value : null;
        public string? Header(string name) =>
            Message.Headers.TryGetValues(name, out var values) || Message.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;

        /// <summary>Values of every element with this local name, in document order.</summary>
        public List<string> All(string name) => Xml.Descendants().Where(e => e.Name.LocalName == name).Select(e => e.Value).ToList();
    }

    /// <param name="path">Already URL-encoded, starting with '/'.</param>
    /// <param name="payloadHash">Overrides the signed x-amz-content-sha256 (e.g. UNSIGNED-PAYLOAD, or a lie).</param>
    public async Task<Response> SendAsync(string method, string path, byte[]? body = null, string query = "",
        IDictionary<string, string>? headers = null, string? payloadHash = null, string? signWith = null, DateTimeOffset? at = null)
    {
        var uri = new Uri(baseUrl + path + (query.Length > 0 ? "?" + query : ""));
        var time = at ?? DateTimeOffset.UtcNow;
        var amzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var hash = payloadHash ?? Convert.ToHexStringLower(SHA256.HashData(body ?? []));
        using var request = new HttpRequestMessage(new HttpMethod(method), uri);
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.Authority,
            ["x-amz-date"] = amzDate,
            ["x-amz-content-sha256"] = hash,
        };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            all[name.ToLowerInvariant()] = value;
        var signature = Sign(method, uri, all, hash, amzDate, signWith ?? Secret, out var scope);
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={Access}/{scope},SignedHeaders={string.Join(';', all.Keys)},Signature={signature}");
        if (body is not null)
            request.Content = new ByteArrayContent(body);
        foreach (var (name, value) in all)
        {
            if (name == "host")
                continue;
            if (name.StartsWith("content-", StringComparison.Ordinal))
            {
                request.Content ??= new ByteArrayContent([]);
                if (name == "content-type")
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
                else
                    request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        var response = await Http.SendAsync(request);
        return new Response(response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    /// <summary>A presigned URL (query form) for <paramref name="method"/> on <paramref name="path"/>.</summary>
    public string Presign(string method, string path, int expiresSeconds, DateTimeOffset? at = null)
    {
        var time = at ?? DateTimeOffset.UtcNow;
        var amzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var scope = $"{amzDate[..8]}/RegionOne/s3/aws4_request";
        var query = $"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={Uri.EscapeDataString(Access + "/" + scope)}&X-Amz-Date={amzDate}" +
                    $"&X-Amz-Expires={expiresSeconds}&X-Amz-SignedHeaders=host";
        var uri = new Uri(baseUrl + path + "?" + query);
        var canonical = SigV4Signer.CanonicalRequest(method, path, SigV4Encoding.ParseQuery(query),
            [new("host", uri.Authority)], "UNSIGNED-PAYLOAD");
        var signature = SigV4Signer.Signature(SigV4Signer.SigningKey(Secret, amzDate[..8], "RegionOne", "s3"), SigV4Signer.StringToSign(amzDate, scope, canonical));
        return uri + "&X-Amz-Signature=" + signature;
    }

    /// <summary>PUT with a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body in chunks of <paramref name="chunkSize"/>; <paramref name="corruptChunk"/> alters one chunk after signing.</summary>
    public async Task<Response> PutChunkedAsync(string path, byte[] data, int chunkSize, int? corruptChunk = null)
    {
        var uri = new Uri(baseUrl + path);
        var amzDate = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var chunks = new List<byte[]>();
        for (var offset = 0; offset < data.Length; offset += chunkSize)
            chunks.Add(data[offset..Math.Min(data.Length, offset + chunkSize)]);
        chunks.Add([]);
        var encodedLength = chunks.Sum(c => c.Length.ToString("x", CultureInfo.InvariantCulture).Length + ";chunk-signature=".Length + 64 + 2 + c.Length + 2);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-encoding"] = "aws-chunked",
            ["content-length"] = encodedLength.ToString(CultureInfo.InvariantCulture),
            ["host"] = uri.Authority,
            ["x-amz-content-sha256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            ["x-amz-date"] = amzDate,
            ["x-amz-decoded-content-length"] = data.Length.ToString(CultureInfo.InvariantCulture),
        };
        var seed = Sign("PUT", uri, headers, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", amzDate, Secret, out var scope);
        var key = SigV4Signer.SigningKey(Secret, amzDate[..8], "RegionOne", "s3");
        var body = new MemoryStream();
        var previous = seed;
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            previous = SigV4Signer.Signature(key, SigV4Signer.ChunkStringToSign(amzDate, scope, previous, Convert.ToHexStringLower(SHA256.HashData(chunk))));
            if (i == corruptChunk)
                chunk = [.. chunk.Select(b => (byte)(b ^ 1))];
            body.Write(Encoding.ASCII.GetBytes($"{chunk.Length:x};chunk-signature={previous}\r\n"));
            body.Write(chunk);
            body.Write("\r\n"u8);
        }
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new ByteArrayContent(body.ToArray()) };
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={Access}/{scope},SignedHeaders={string.Join(';', headers.Keys)},Signature={seed}");
        foreach (var (name, value) in headers)
        {
            if (name is "host" or "content-length")
                continue;
            if (name == "content-encoding")
                request.Content.Headers.ContentEncoding.Add(value);
            else
                request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await Http.SendAsync(request);
        return new Response(response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    /// <summary>PUT as botocore does over HTTPS: STREAMING-UNSIGNED-PAYLOAD-TRAILER, aws-chunked, with the checksum in a trailer.</summary>
    public async Task<Response> PutWithChecksumTrailerAsync(string path, byte[] data, string trailerName, string trailerValue)
    {
        var uri = new Uri(baseUrl + path);
        var amzDate = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-encoding"] = "aws-chunked",
            ["host"] = uri.Authority,
            ["x-amz-content-sha256"] = "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            ["x-amz-date"] = amzDate,
            ["x-amz-decoded-content-length"] = data.Length.ToString(CultureInfo.InvariantCulture),
            ["x-amz-trailer"] = trailerName,
        };
        var signature = Sign("PUT", uri, headers, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", amzDate, Secret, out var scope);
        var body = new MemoryStream();
        body.Write(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"));
        body.Write(data);
        body.Write(Encoding.ASCII.GetBytes($"\r\n0\r\n{trailerName}:{trailerValue}\r\n\r\n"));
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new ByteArrayContent(body.ToArray()) };
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={Access}/{scope},SignedHeaders={string.Join(';', headers.Keys)},Signature={signature}");
        foreach (var (name, value) in headers)
        {
            if (name == "host")
                continue;
            if (name == "content-encoding")
                request.Content.Headers.ContentEncoding.Add(value);
            else
                request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await Http.SendAsync(request);
        return new Response(response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    private static string Sign(string method, Uri uri, IDictionary<string, string> headers, string hash, string amzDate, string secret, out string scope)
    {
        scope = $"{amzDate[..8]}/RegionOne/s3/aws4_request";
        var canonical = SigV4Signer.CanonicalRequest(method, uri.AbsolutePath, SigV4Encoding.ParseQuery(uri.Query),
            headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value.Trim())).ToList(), hash);
        return SigV4Signer.Signature(SigV4Signer.SigningKey(secret, amzDate[..8], "RegionOne", "s3"), SigV4Signer.StringToSign(amzDate, scope, canonical));
    }
}
