using System.Globalization;
using System.Security.Cryptography;
using CloudBox.Objects.S3.Auth;
using CloudBox.Objects.S3.Checksums;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudBox.Objects.S3;

/// <summary>
/// Streams an object or part body into a durable blob and checks it against everything the
/// client vouched for: the signed SHA-256, each signed chunk, Content-MD5, the additional
/// checksum (x-amz-checksum-*, as header or aws-chunked trailer) and the length. A body that
/// fails is unlinked and refused, so it never becomes visible.
/// </summary>
internal static class UploadedBody
{
    /// <summary>S3's limit for one PUT; larger objects go multipart.</summary>
    public const long MaxSingleUploadBytes = 5L * 1024 * 1024 * 1024;

    public static async Task<BlobWrite> WriteAsync(S3Context context)
    {
        var http = context.Http;
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
            sizeFeature.MaxRequestBodySize = null; // bounded below by MaxSingleUploadBytes instead of the 112 KiB API default

        var signed = context.Caller.Signed;
        var expectedMd5 = ExpectedMd5(context.Headers);
        Stream body = http.Request.Body;
        long? length = http.Request.ContentLength;
        ChunkedPayloadStream? chunked = null;
        if (signed.IsStreaming || signed.IsUnsignedStreaming)
        {
            if (!long.TryParse(context.Headers["x-amz-decoded-content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out var decoded))
                throw new S3Error(411, "MissingContentLength", "You must provide the x-amz-decoded-content-length HTTP header.");
            body = chunked = signed.IsStreaming
                ? new ChunkedPayloadStream(body, context.Caller.SigningKey, signed.AmzDate, signed.Scope, signed.Signature)
                : new ChunkedPayloadStream(body, null, "", "", "");
            length = decoded;
        }
        else if (length is null && !context.Headers.ContainsKey("Transfer-Encoding"))
        {
            throw new S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
        }

        var checksumHeader = ChecksumAlgorithms.Requested(context.Headers);
        using var checksum = checksumHeader is null ? null : ChecksumAlgorithms.Create(checksumHeader[ChecksumAlgorithms.HeaderPrefix.Length..]);
        if (checksum is not null)
            body = new ChecksumReadStream(body, checksum);
        using var hashing = signed.HasPayloadDigest ? new Sha256ReadStream(body) : null;

        BlobWrite blob;
        try
        {
            blob = await context.Services.Blobs.WriteAsync(hashing ?? body, length, MaxSingleUploadBytes, context.Aborted);
        }
        finally
        {
            if (chunked is not null)
                await chunked.DisposeAsync();
        }

        try
        {
            if (hashing is not null && !string.Equals(hashing.HexDigest(), signed.PayloadHash, StringComparison.OrdinalIgnoreCase))
                throw new S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
            if (expectedMd5 is not null && !string.Equals(expectedMd5, blob.Md5Hex, StringComparison.Ordinal))
                throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
            if (checksum is not null)
            {
                var expected = context.Headers[checksumHeader!].ToString();
                if (expected.Length == 0 && chunked is not null)
                    chunked.Trailers.TryGetValue(checksumHeader!, out expected);
                if (string.IsNullOrEmpty(expected))
                    throw S3Error.InvalidRequest($"The request announced {checksumHeader} but did not send it.");
                var actual = checksum.Base64();
                if (actual != expected)
                    throw new S3Error(400, "BadDigest", $"The {checksumHeader![ChecksumAlgorithms.HeaderPrefix.Length..].ToUpperInvariant()} you specified did not match the calculated checksum.");
                context.Response.Headers[checksumHeader!] = actual;
            }
        }
        catch
        {
            context.Services.Blobs.Delete(blob.BlobId);
            throw;
        }
        return blob;
    }

    /// <summary>Reads a small XML request body (at most <paramref name="maxBytes"/>), checked like an upload.</summary>
    public static async Task<byte[]> ReadSmallAsync(S3Context context, int maxBytes = 4 * 1024 * 1024)
    {
        var sizeFeature = context.Http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
            sizeFeature.MaxRequestBodySize = maxBytes;
        using var buffer = new MemoryStream();
        await context.Http.Request.Body.CopyToAsync(buffer, context.Aborted);
        var bytes = buffer.ToArray();
        var signed = context.Caller.Signed;
        if (signed.HasPayloadDigest && !string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), signed.PayloadHash, StringComparison.OrdinalIgnoreCase))
            throw new S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        if (ExpectedMd5(context.Headers) is { } md5 && md5 != Convert.ToHexStringLower(MD5.HashData(bytes)))
            throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        return bytes;
    }

    /// <summary>The hex MD5 that <c>Content-MD5</c> (base64 of 16 bytes) announces, or null when absent.</summary>
    private static string? ExpectedMd5(IHeaderDictionary headers)
    {
        var header = headers["Content-MD5"].ToString();
        if (header.Length == 0)
            return null;
        Span<byte> digest = stackalloc byte[24];
        if (!Convert.TryFromBase64String(header, digest, out var written) || written != 16)
            throw new S3Error(400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
        return Convert.ToHexStringLower(digest[..16]);
    }
}
