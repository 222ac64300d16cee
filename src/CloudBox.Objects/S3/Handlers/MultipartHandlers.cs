using System.Globalization;
using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.S3.Handlers;

/// <summary>
/// Multipart uploads: create, upload part, list parts, complete (the parts' blobs become the
/// object's, ETag = MD5 of the parts' MD5s + "-N"), abort, and list the uploads of a bucket.
/// </summary>
internal static class MultipartHandlers
{
    private const int MaxParts = 10_000;
    private const long MinPartBytes = 5L * 1024 * 1024;

    public static async Task CreateAsync(S3Context context)
    {
        context.RequireWrite();
        await BucketAccess.RequireAsync(context);
        var uploadId = await context.Services.Store.CreateUploadAsync(context.Caller.ProjectId, context.Bucket, context.Key,
            ObjectMetadata.ContentType(context.Headers), ObjectMetadata.FromRequest(context.Headers), context.Aborted);
        var xml = new S3XmlWriter("InitiateMultipartUploadResult");
        xml.Element("Bucket", context.Bucket).Element("Key", context.Key).Element("UploadId", uploadId);
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    public static async Task UploadPartAsync(S3Context context)
    {
        context.RequireWrite();
        var partNumber = PartNumber(context.Request.Get("partNumber"));
        var upload = await RequireUploadAsync(context);
        var blob = await UploadedBody.WriteAsync(context);
        try
        {
            await context.Services.Store.PutPartAsync(upload.UploadId, partNumber, blob, context.Aborted);
        }
        catch (Exception failure)
        {
            context.Services.Blobs.Delete(blob.BlobId);
            if (failure is UploadNotFoundException)
                throw S3Error.NoSuchUpload(upload.UploadId);
            throw;
        }
        context.Response.Headers.ETag = ObjectMetadata.Quote(blob.Md5Hex);
        context.Response.StatusCode = 200;
    }

    /// <summary>UploadPartCopy: a part made of (a range of) an existing object; how <c>aws s3 cp</c> copies large objects between buckets.</summary>
    public static async Task UploadPartCopyAsync(S3Context context)
    {
        context.RequireWrite();
        var partNumber = PartNumber(context.Request.Get("partNumber"));
        var upload = await RequireUploadAsync(context);
        var source = await CopyObjectHandler.RequireSourceAsync(context);
        var (offset, length) = (0L, source.Size);
        var rangeHeader = context.Headers["x-amz-copy-source-range"].ToString();
        if (rangeHeader.Length > 0)
        {
            if (ByteRange.Parse(rangeHeader, source.Size) is not { Unsatisfiable: false } range || !rangeHeader.Contains('-') || rangeHeader.Contains("=-", StringComparison.Ordinal))
                throw S3Error.InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
            (offset, length) = (range.Offset, range.Length);
        }
        var blob = await CopyObjectHandler.CopyBytesAsync(context, source, offset, length);
        try
        {
            await context.Services.Store.PutPartAsync(upload.UploadId, partNumber, blob, context.Aborted);
        }
        catch (Exception failure)
        {
            context.Services.Blobs.Delete(blob.BlobId);
            if (failure is UploadNotFoundException)
                throw S3Error.NoSuchUpload(upload.UploadId);
            throw;
        }
        var xml = new S3XmlWriter("CopyPartResult");
        xml.Element("ETag", ObjectMetadata.Quote(blob.Md5Hex)).Element("LastModified", ObjectMetadata.XmlDate(Core.Ids.Timestamps.ToStorage(context.Services.Clock.GetUtcNow())));
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    public static async Task ListPartsAsync(S3Context context)
    {
        var upload = await RequireUploadAsync(context);
        var marker = int.TryParse(context.Request.Get("part-number-marker"), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;
        var maxParts = int.TryParse(context.Request.Get("max-parts"), NumberStyles.None, CultureInfo.InvariantCulture, out var x) ? Math.Min(x, 1000) : 1000;
        var parts = (await context.Services.Store.ListPartsAsync(upload.UploadId, context.Aborted)).Where(p => p.PartNumber > marker).ToList();
        var truncated = parts.Count > maxParts;
        var page = parts.Take(maxParts).ToList();

        var xml = new S3XmlWriter("ListPartsResult");
        xml.Element("Bucket", context.Bucket).Element("Key", context.Key).Element("UploadId", upload.UploadId);
        xml.Start("Initiator").Element("ID", context.Caller.Context.UserId).Element("DisplayName", context.Caller.Context.UserName).End();
        xml.Start("Owner").Element("ID", context.Caller.ProjectId).Element("DisplayName", context.Caller.Context.ProjectName).End();
        xml.Element("StorageClass", "STANDARD");
        xml.Element("PartNumberMarker", marker.ToString(CultureInfo.InvariantCulture));
        xml.Element("NextPartNumberMarker", (page.Count > 0 ? page[^1].PartNumber : marker).ToString(CultureInfo.InvariantCulture));
        xml.Element("MaxParts", maxParts.ToString(CultureInfo.InvariantCulture));
        xml.Element("IsTruncated", truncated ? "true" : "false");
        foreach (var part in page)
        {
            xml.Start("Part")
                .Element("PartNumber", part.PartNumber.ToString(CultureInfo.InvariantCulture))
                .Element("LastModified", ObjectMetadata.XmlDate(part.LastModified))
                .Element("ETag", ObjectMetadata.Quote(part.Etag))
                .Element("Size", part.Size.ToString(CultureInfo.InvariantCulture))
                .End();
        }
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    public static async Task CompleteAsync(S3Context context)
    {
        context.RequireWrite();
        var upload = await RequireUploadAsync(context);
        var chosen = ParseCompletion(await UploadedBody.ReadSmallAsync(context));
        var stored = (await context.Services.Store.ListPartsAsync(upload.UploadId, context.Aborted)).ToDictionary(p => p.PartNumber);

        var blobs = new List<ObjectPart>(chosen.Count);
        var md5s = new byte[chosen.Count * 16];
        long size = 0;
        for (var i = 1; i < chosen.Count; i++)
        {
            if (chosen[i].Number <= chosen[i - 1].Number)
                throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
        }
        for (var i = 0; i < chosen.Count; i++)
        {
            var (number, etag) = chosen[i];
            if (!stored.TryGetValue(number, out var part) || part.Etag != etag.Trim('"'))
                throw new S3Error(400, "InvalidPart", "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.")
                    .With("PartNumber", number.ToString(CultureInfo.InvariantCulture));
            if (i < chosen.Count - 1 && part.Size < MinPartBytes)
                throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
                    .With("PartNumber", number.ToString(CultureInfo.InvariantCulture));
            Convert.FromHexString(part.Etag).CopyTo(md5s, i * 16);
            blobs.Add(new ObjectPart(part.BlobId, part.Size));
            size += part.Size;
        }

        var etagOfParts = Convert.ToHexStringLower(MD5.HashData(md5s)) + "-" + chosen.Count.ToString(CultureInfo.InvariantCulture);
        var record = new ObjectRecord
        {
            ProjectId = context.Caller.ProjectId,
            Container = context.Bucket,
            Name = context.Key,
            Size = size,
            Etag = etagOfParts,
            ContentType = upload.ContentType,
            Metadata = upload.Metadata,
        };
        record.SetParts(blobs);
        try
        {
            await context.Services.Store.CompleteUploadAsync(upload, record, chosen.Select(c => c.Number).ToList(), context.Aborted);
        }
        catch (UploadNotFoundException)
        {
            throw S3Error.NoSuchUpload(upload.UploadId);
        }
        catch (ContainerNotFoundException)
        {
            throw S3Error.NoSuchBucket(context.Bucket);
        }

        var xml = new S3XmlWriter("CompleteMultipartUploadResult");
        xml.Element("Location", $"/{context.Bucket}/{context.Key}").Element("Bucket", context.Bucket).Element("Key", context.Key).Element("ETag", ObjectMetadata.Quote(etagOfParts));
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    public static async Task AbortAsync(S3Context context)
    {
        context.RequireWrite();
        var upload = await RequireUploadAsync(context);
        await context.Services.Store.AbortUploadAsync(upload.UploadId, context.Aborted);
        context.Response.StatusCode = 204;
    }

    public static async Task ListUploadsAsync(S3Context context)
    {
        await BucketAccess.RequireAsync(context);
        var prefix = context.Request.Get("prefix");
        var uploads = await context.Services.Store.ListUploadsAsync(context.Caller.ProjectId, context.Bucket, string.IsNullOrEmpty(prefix) ? null : prefix, context.Aborted);
        var xml = new S3XmlWriter("ListMultipartUploadsResult");
        xml.Element("Bucket", context.Bucket).Element("KeyMarker", "").Element("UploadIdMarker", "")
            .Element("NextKeyMarker", "").Element("NextUploadIdMarker", "");
        if (prefix is not null)
            xml.Element("Prefix", prefix);
        xml.Element("MaxUploads", "1000").Element("IsTruncated", "false");
        foreach (var upload in uploads)
        {
            xml.Start("Upload")
                .Element("Key", upload.Name)
                .Element("UploadId", upload.UploadId)
                .Start("Initiator").Element("ID", context.Caller.Context.UserId).Element("DisplayName", context.Caller.Context.UserName).End()
                .Start("Owner").Element("ID", context.Caller.ProjectId).Element("DisplayName", context.Caller.Context.ProjectName).End()
                .Element("StorageClass", "STANDARD")
                .Element("Initiated", ObjectMetadata.XmlDate(upload.CreatedAt))
                .End();
        }
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    /// <summary>The upload the query names, which must be for this bucket and key of the caller's project.</summary>
    private static async Task<UploadRecord> RequireUploadAsync(S3Context context)
    {
        await BucketAccess.RequireAsync(context);
        var uploadId = context.Request.Get("uploadId") ?? "";
        var upload = await context.Services.Store.FindUploadAsync(context.Caller.ProjectId, uploadId, context.Aborted);
        if (upload is null || upload.Container != context.Bucket || upload.Name != context.Key)
            throw S3Error.NoSuchUpload(uploadId);
        return upload;
    }

    private static int PartNumber(string? text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > MaxParts)
            throw S3Error.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive").With("ArgumentName", "partNumber");
        return number;
    }

    private static List<(int Number, string Etag)> ParseCompletion(byte[] body)
    {
        XDocument document;
        try
        {
            document = XDocument.Load(new MemoryStream(body), LoadOptions.None);
        }
        catch (XmlException)
        {
            throw S3Error.MalformedXml();
        }
        if (document.Root is not { Name.LocalName: "CompleteMultipartUpload" } root)
            throw S3Error.MalformedXml();
        var parts = new List<(int, string)>();
        foreach (var part in root.Elements().Where(e => e.Name.LocalName == "Part"))
        {
            var number = part.Elements().FirstOrDefault(e => e.Name.LocalName == "PartNumber")?.Value;
            var etag = part.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value;
            if (etag is null || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                throw S3Error.MalformedXml();
            parts.Add((n, etag));
        }
        if (parts.Count is 0 or > MaxParts)
            throw S3Error.MalformedXml();
        return parts;
    }
}
