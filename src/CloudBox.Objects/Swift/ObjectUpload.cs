using System.Globalization;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.StaticFiles;

namespace CloudBox.Objects.Swift;

/// <summary>
/// Object PUT and POST. A PUT streams the body to a new blob (never whole in memory), checks it
/// against Content-Length and the client's ETag / Content-MD5, and only then makes it visible in
/// one transaction; anything refused leaves no trace.
/// </summary>
internal static class ObjectUpload
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static async Task PutAsync(SwiftRequest request, ContainerRecord container)
    {
        var settings = request.Backend.Settings;
        var length = request.Request.ContentLength;
        var chunked = request.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase);
        if (length is null && !chunked)
            throw SwiftFaults.LengthRequired();
        if (length > settings.MaxObjectBytes)
            throw SwiftFaults.TooLarge();
        await CheckIfNoneMatchAsync(request);
        var deleteAt = DeleteAt(request);
        var manifest = DynamicManifest(request);
        LiftBodyLimit(request.Context, settings.MaxObjectBytes);

        BlobWrite blob;
        try
        {
            blob = await request.Backend.Blobs.WriteAsync(request.Request.Body, length, settings.MaxObjectBytes, request.Aborted);
        }
        catch (BlobTooLargeException)
        {
            throw SwiftFaults.TooLarge();
        }
        catch (IncompleteBodyException)
        {
            throw SwiftFaults.ClientDisconnect();
        }

        try
        {
            VerifyChecksums(request, blob.Md5Hex);
            var record = NewRecord(request, request.Path, blob.Size, blob.Md5Hex, deleteAt);
            record.SetParts([new ObjectPart(blob.BlobId, blob.Size)]);
            if (manifest is not null)
                record.LargeObject = ObjectView.DynamicMarkerPrefix + manifest;
            await StoreAsync(request, container, record, [blob]);
        }
        catch
        {
            request.Backend.Blobs.Delete(blob.BlobId); // no row names it: it must not linger
            throw;
        }
    }

    /// <summary>Makes a new object visible (archiving the one it replaces when the container is versioned) and answers 201.</summary>
    public static async Task StoreAsync(SwiftRequest request, ContainerRecord container, ObjectRecord record, IReadOnlyList<BlobWrite> blobs, string? etagHeader = null)
    {
        await ObjectVersioning.ArchiveCurrentAsync(request, container, record.Name);
        try
        {
            await request.Store.PutObjectAsync(record, blobs, request.Aborted);
        }
        catch (ContainerNotFoundException)
        {
            throw SwiftFaults.NotFound();
        }
        var response = request.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.ETag = etagHeader ?? record.Etag;
        response.Headers.LastModified = SwiftHeaders.HttpDate(SwiftHeaders.LastModified(record.LastModified));
        response.ContentType = "text/html; charset=UTF-8";
        response.ContentLength = 0;
    }

    /// <summary>POST replaces the object's user metadata and stored headers (Swift's fast-POST), and its expiry.</summary>
    public static async Task PostAsync(SwiftRequest request)
    {
        var record = await ObjectEndpoints.RequireObjectAsync(request, request.Path);
        var deleteAt = DeleteAt(request);
        var metadata = record.MetadataMap();
        foreach (var key in metadata.Keys.Where(k => !SwiftHeaders.IsSystemKey(k)).ToList())
            metadata.Remove(key);
        foreach (var (key, value) in UserMetadata(request))
            metadata[key] = value;
        record.SetMetadata(metadata);
        if (request.Header("Content-Type") is { Length: > 0 } contentType)
            record.ContentType = contentType;
        if (deleteAt is not null || request.Request.Headers.ContainsKey("X-Remove-Delete-At"))
            record.DeleteAt = deleteAt;
        if (!await request.Store.UpdateObjectMetadataAsync(record, request.Aborted))
            throw SwiftFaults.NotFound();
        request.Response.StatusCode = StatusCodes.Status202Accepted;
        request.Response.ContentType = "text/html; charset=UTF-8";
        const string body = "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>";
        request.Response.ContentLength = body.Length;
        await request.Response.WriteAsync(body, request.Aborted);
    }

    /// <summary>A new object's row: name, size, ETag, content type (given or guessed from the name), metadata, expiry.</summary>
    public static ObjectRecord NewRecord(SwiftRequest request, SwiftPath path, long size, string etag, long? deleteAt, Dictionary<string, string>? baseMetadata = null)
    {
        var record = new ObjectRecord
        {
            ProjectId = path.ProjectId, Container = path.Container!, Name = path.Object!, Size = size, Etag = etag,
            ContentType = ContentTypeFor(request, path.Object!), DeleteAt = deleteAt,
        };
        var metadata = baseMetadata ?? [];
        foreach (var (key, value) in UserMetadata(request))
            metadata[key] = value;
        record.SetMetadata(metadata);
        return record;
    }

    /// <summary><c>X-Object-Meta-*</c> (under "meta-") and the standard headers an object keeps.</summary>
    public static Dictionary<string, string> UserMetadata(SwiftRequest request)
    {
        var metadata = new Dictionary<string, string>();
        SwiftHeaders.ApplyMetadata(request.Request.Headers, "Object", metadata, ObjectView.UserMetaPrefix);
        foreach (var header in ObjectView.StoredHeaders)
        {
            if (request.Header(header) is { Length: > 0 } value)
            {
                if (MetadataText.HasControl(value))
                    throw SwiftFaults.BadRequest($"{header} must not contain control characters");
                metadata[header.ToLowerInvariant()] = value;
            }
        }
        return metadata;
    }

    public static string ContentTypeFor(SwiftRequest request, string name)
    {
        var given = request.Header("Content-Type");
        var detect = request.Header("X-Detect-Content-Type")?.ToLowerInvariant() is "true" or "1" or "yes";
        if (!string.IsNullOrEmpty(given) && !detect)
            return given;
        return ContentTypes.TryGetContentType(name, out var guessed) ? guessed : "application/octet-stream";
    }

    /// <summary><c>X-Delete-At</c> (Unix seconds) or <c>X-Delete-After</c> (seconds from now); 400 when invalid or past.</summary>
    public static long? DeleteAt(SwiftRequest request)
    {
        var now = request.Backend.Clock.GetUtcNow().ToUnixTimeSeconds();
        if (request.Header("X-Delete-After") is { } after)
        {
            if (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                throw SwiftFaults.BadRequest("Non-integer X-Delete-After");
            if (seconds <= 0)
                throw SwiftFaults.BadRequest("X-Delete-After in past");
            return now + seconds;
        }
        if (request.Header("X-Delete-At") is { } at)
        {
            if (!decimal.TryParse(at, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var when))
                throw SwiftFaults.BadRequest("Non-integer X-Delete-At");
            if ((long)when <= now)
                throw SwiftFaults.BadRequest("X-Delete-At in past");
            return (long)when;
        }
        return null;
    }

    /// <summary>Raises Kestrel's request body limit for this request only (the host default suits JSON APIs).</summary>
    public static void LiftBodyLimit(HttpContext context, long limit)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
            feature.MaxRequestBodySize = limit;
    }

    /// <summary>The client's <c>ETag</c> (hex MD5) and <c>Content-MD5</c> (base64 MD5) must match what arrived: else 422.</summary>
    public static void VerifyChecksums(SwiftRequest request, string md5Hex)
    {
        if (request.Header("ETag") is { Length: > 0 } etag && !Preconditions.Unquote(etag.Trim()).Equals(md5Hex, StringComparison.OrdinalIgnoreCase))
            throw SwiftFaults.Unprocessable();
        if (request.Header("Content-MD5") is { Length: > 0 } contentMd5)
        {
            byte[] expected;
            try
            {
                expected = Convert.FromBase64String(contentMd5.Trim());
            }
            catch (FormatException)
            {
                throw SwiftFaults.Unprocessable();
            }
            if (!Convert.ToHexStringLower(expected).Equals(md5Hex, StringComparison.Ordinal))
                throw SwiftFaults.Unprocessable();
        }
    }

    private static async Task CheckIfNoneMatchAsync(SwiftRequest request)
    {
        if (request.Header("If-None-Match") is not { } value)
            return;
        if (value.Trim() != "*")
            throw SwiftFaults.BadRequest("If-None-Match only supports *");
        if (await request.Store.FindObjectAsync(request.ProjectId, request.Path.Container!, request.Path.Object!, request.Aborted) is not null)
            throw SwiftFaults.PreconditionFailed();
    }

    private static string? DynamicManifest(SwiftRequest request)
    {
        if (request.Header("X-Object-Manifest") is not { } manifest)
            return null;
        manifest = Uri.UnescapeDataString(manifest);
        var (container, _) = SwiftPath.SplitReference(manifest);
        if (container.Length == 0 || !manifest.TrimStart('/').Contains('/', StringComparison.Ordinal))
            throw SwiftFaults.BadRequest("X-Object-Manifest must be in the format container/prefix");
        return manifest.TrimStart('/');
    }
}
