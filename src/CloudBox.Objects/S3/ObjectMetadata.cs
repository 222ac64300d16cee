using System.Globalization;
using CloudBox.Core.Ids;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3;

/// <summary>
/// Object metadata between S3 headers and the shared store: <c>x-amz-meta-NAME</c> is stored as
/// <c>meta-NAME</c> (what Swift shows as <c>X-Object-Meta-NAME</c>), and the standard headers a
/// client may set are kept under their own lower-case names.
/// </summary>
internal static class ObjectMetadata
{
    private const string AmzMeta = "x-amz-meta-";
    private static readonly string[] StoredHeaders = ["content-encoding", "content-disposition", "content-language", "cache-control", "expires"];

    public static Dictionary<string, string> FromRequest(IHeaderDictionary headers)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith(AmzMeta, StringComparison.OrdinalIgnoreCase) && name.Length > AmzMeta.Length)
            {
                if (MetadataText.HasControl(value.ToString()))
                    throw S3Error.InvalidArgument($"Metadata must not contain control characters: {name}");
                metadata["meta-" + name[AmzMeta.Length..].ToLowerInvariant()] = value.ToString();
            }
        }
        foreach (var name in StoredHeaders)
        {
            var value = headers[name].ToString();
            if (name == "content-encoding")
                value = WithoutAwsChunked(value);
            if (MetadataText.HasControl(value))
                throw S3Error.InvalidArgument($"{name} must not contain control characters");
            if (value.Length > 0)
                metadata[name] = value;
        }
        return metadata;
    }

    public static string ContentType(IHeaderDictionary headers)
    {
        var type = headers.ContentType.ToString();
        return type.Length > 0 ? type : "binary/octet-stream";
    }

    /// <summary>ETag, Last-Modified, type, user metadata and stored headers of an object.</summary>
    public static void WriteHeaders(HttpResponse response, ObjectRecord record)
    {
        response.Headers.ETag = Quote(record.Etag);
        response.Headers.LastModified = HttpDate(record.LastModified);
        response.Headers.AcceptRanges = "bytes";
        response.ContentType = record.ContentType.Length > 0 ? record.ContentType : "binary/octet-stream";
        foreach (var (name, value) in record.MetadataMap())
        {
            if (name.StartsWith("meta-", StringComparison.Ordinal))
                response.Headers[AmzMeta + Swift.SwiftHeaders.HeaderSafe(name["meta-".Length..])] = MetadataText.ForS3Header(value);
            else if (Array.IndexOf(StoredHeaders, name) >= 0)
                response.Headers[name] = MetadataText.ForS3Header(value);
        }
    }

    public static string Quote(string etag) => "\"" + etag + "\"";

    public static DateTimeOffset LastModified(ObjectRecord record) => Timestamps.FromStorage(record.LastModified);

    public static string HttpDate(string stored) => Timestamps.FromStorage(stored).ToString("r", CultureInfo.InvariantCulture);

    /// <summary>S3's XML timestamps: <c>2026-11-25T10:00:00.000Z</c>.</summary>
    public static string XmlDate(string stored) =>
        Timestamps.FromStorage(stored).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>aws-chunked</c> describes the transfer, not the object; what else was named is kept.</summary>
    private static string WithoutAwsChunked(string value) =>
        string.Join(',', value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(v => !v.Equals("aws-chunked", StringComparison.OrdinalIgnoreCase)));
}
