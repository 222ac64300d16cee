using System.Security.Cryptography;
using System.Text;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Swift;

/// <summary>
/// Static Large Objects: <c>multipart-manifest=put</c> checks every listed segment (exists, ETag,
/// size) and stores the manifest as the object's data; <c>multipart-manifest=delete</c> removes
/// the segments and the manifest. Reads resolve segments in <see cref="ContentPlan"/>.
/// </summary>
internal static class StaticLargeObjects
{
    public static async Task PutAsync(SwiftRequest request, ContainerRecord container)
    {
        ObjectUpload.LiftBodyLimit(request.Context, StaticManifest.MaxManifestBytes + 1);
        var body = await ReadBodyAsync(request);
        var put = StaticManifest.ParsePut(body);
        if (put.Count == 0)
            throw SwiftFaults.BadRequest("Manifest must have at least one segment.");
        if (put.Count > StaticManifest.MaxSegments)
            throw SwiftFaults.BadRequest($"Too many segments; max {StaticManifest.MaxSegments}");

        var segments = new List<StaticSegment>();
        var errors = new StringBuilder();
        var etags = new StringBuilder();
        long total = 0;
        foreach (var item in put)
        {
            var (segmentContainer, segmentName) = SwiftPath.SplitReference(item.Path);
            var segment = segmentName is null ? null : await request.Store.FindObjectAsync(request.ProjectId, segmentContainer, segmentName, request.Aborted);
            if (segment is null)
            {
                errors.Append(item.Path).Append(", 404 Not Found\n");
                continue;
            }
            var view = ObjectView.Of(segment);
            if (item.Etag is { Length: > 0 } etag && !Preconditions.Unquote(etag).Equals(view.ListingEtag, StringComparison.OrdinalIgnoreCase))
                errors.Append(item.Path).Append(", Etag Mismatch\n");
            if (item.SizeBytes is { } size && size != view.Length)
                errors.Append(item.Path).Append(", Size Mismatch\n");
            string? range = null;
            var length = view.Length;
            if (item.Range is { } requested)
            {
                if (ByteRange.ParseOne(requested, view.Length) is not { } parsed)
                {
                    errors.Append(item.Path).Append(", Unsatisfiable Range\n");
                    continue;
                }
                range = StaticSegment.FormatRange(parsed.Start, parsed.Length);
                length = parsed.Length;
            }
            etags.Append(range is null ? view.ListingEtag : $"{view.ListingEtag}:{range};");
            total += length;
            segments.Add(new StaticSegment("/" + segmentContainer + "/" + segmentName, view.ListingEtag, length, range, segment.ContentType,
                SwiftHeaders.ListingTime(segment.LastModified)));
        }
        if (errors.Length > 0)
            throw SwiftFaults.BadRequest("Errors:\n" + errors);

        var sloEtag = Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(etags.ToString())));
        if (request.Header("ETag") is { Length: > 0 } expected && !Preconditions.Unquote(expected).Equals(sloEtag, StringComparison.OrdinalIgnoreCase))
            throw SwiftFaults.Unprocessable();

        var stored = StaticManifest.Serialize(segments);
        var blob = await request.Backend.Blobs.WriteAsync(new MemoryStream(stored), stored.Length, StaticManifest.MaxManifestBytes, request.Aborted);
        try
        {
            var record = ObjectUpload.NewRecord(request, request.Path, blob.Size, blob.Md5Hex, ObjectUpload.DeleteAt(request));
            var metadata = record.MetadataMap();
            metadata[ObjectView.SloSizeKey] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
            metadata[ObjectView.SloEtagKey] = sloEtag;
            record.SetMetadata(metadata);
            record.LargeObject = ObjectView.StaticMarker;
            record.SetParts([new ObjectPart(blob.BlobId, blob.Size)]);
            await ObjectUpload.StoreAsync(request, container, record, [blob], $"\"{sloEtag}\"");
        }
        catch
        {
            request.Backend.Blobs.Delete(blob.BlobId);
            throw;
        }
    }

    /// <summary>Deletes an SLO's segments, then its manifest; answers like a bulk delete.</summary>
    public static async Task DeleteAsync(SwiftRequest request)
    {
        var record = await ObjectEndpoints.RequireObjectAsync(request, request.Path);
        var result = new BulkDeleteResult();
        if (record.LargeObject == ObjectView.StaticMarker)
        {
            foreach (var segment in StaticManifest.Parse(await ContentPlan.ReadAllAsync(request, record)))
            {
                var (container, name) = SwiftPath.SplitReference(segment.Name);
                if (container != record.Container && !await MayWriteAsync(request, container))
                {
                    result.Errors.Add((segment.Name, "403 Forbidden"));
                    continue;
                }
                if (name is not null && await request.Store.DeleteObjectAsync(request.ProjectId, container, name, request.Aborted) is not null)
                    result.Deleted++;
                else
                    result.NotFound++;
            }
        }
        if (await request.Store.DeleteObjectAsync(request.ProjectId, record.Container, record.Name, request.Aborted) is not null)
            result.Deleted++;
        else
            result.NotFound++;
        await result.WriteAsync(request);
    }

    /// <summary>Segments are deleted with the caller's own rights on their container.</summary>
    private static async Task<bool> MayWriteAsync(SwiftRequest request, string container)
    {
        var segments = new SwiftRequest(request.Context, request.Path with { Container = container, Object = null }, request.Backend);
        try
        {
            segments.Authorize(SwiftOperation.WriteObject, await request.Store.FindContainerAsync(request.ProjectId, container, request.Aborted));
            return true;
        }
        catch (Core.Api.ApiFault)
        {
            return false;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(SwiftRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Request.Body.ReadAsync(chunk, request.Aborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > StaticManifest.MaxManifestBytes)
                throw SwiftFaults.TooLarge();
        }
        return buffer.ToArray();
    }
}
