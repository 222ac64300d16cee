using System.Globalization;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3.Handlers;

/// <summary>PutObject, GetObject / HeadObject (ranges and conditions) and DeleteObject.</summary>
internal static class ObjectHandlers
{
    public static async Task PutAsync(S3Context context)
    {
        context.RequireWrite();
        await BucketAccess.RequireAsync(context);
        var blob = await UploadedBody.WriteAsync(context);
        var record = new ObjectRecord
        {
            ProjectId = context.Caller.ProjectId,
            Container = context.Bucket,
            Name = context.Key,
            Size = blob.Size,
            Etag = blob.Md5Hex,
            ContentType = ObjectMetadata.ContentType(context.Headers),
        };
        record.SetMetadata(ObjectMetadata.FromRequest(context.Headers));
        record.SetParts([new ObjectPart(blob.BlobId, blob.Size)]);
        await StoreAsync(context, record, [blob]);
        context.Response.Headers.ETag = ObjectMetadata.Quote(blob.Md5Hex);
        context.Response.StatusCode = 200;
    }

    /// <summary>Makes a written object visible; its blobs are unlinked if that fails, so nothing is left behind.</summary>
    public static async Task StoreAsync(S3Context context, ObjectRecord record, IReadOnlyList<BlobWrite> blobs)
    {
        try
        {
            await context.Services.Store.PutObjectAsync(record, blobs, context.Aborted);
        }
        catch (Exception failure)
        {
            foreach (var blob in blobs)
                context.Services.Blobs.Delete(blob.BlobId);
            if (failure is ContainerNotFoundException)
                throw S3Error.NoSuchBucket(context.Bucket);
            throw;
        }
    }

    public static async Task<ObjectRecord> RequireObjectAsync(S3Context context)
    {
        await BucketAccess.RequireAsync(context);
        return await context.Services.Store.FindObjectAsync(context.Caller.ProjectId, context.Bucket, context.Key, context.Aborted)
            ?? throw S3Error.NoSuchKey(context.Key);
    }

    public static async Task GetAsync(S3Context context, bool withBody)
    {
        var record = await RequireObjectAsync(context);
        var response = context.Response;
        ObjectMetadata.WriteHeaders(response, record);
        OverrideResponseHeaders(context);

        if (Preconditions.Evaluate(context.Headers, record) is { } status)
        {
            if (status == StatusCodes.Status412PreconditionFailed)
                throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").With("Condition", "If-Match");
            response.StatusCode = status;
            response.Headers.ContentType = default;
            return;
        }

        var (offset, length) = (0L, record.Size);
        if (ByteRange.Parse(context.Headers.Range.ToString(), record.Size) is { } range)
        {
            if (range.Unsatisfiable)
                throw new S3Error(416, "InvalidRange", "The requested range is not satisfiable").With("ActualObjectSize", record.Size.ToString(CultureInfo.InvariantCulture));
            (offset, length) = (range.Offset, range.Length);
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{record.Size}";
        }
        else
        {
            response.StatusCode = 200;
        }
        response.ContentLength = length;
        if (!withBody || length == 0)
            return;
        await context.Services.Reader.CopyAsync(record, offset, length, response.Body, context.Aborted);
    }

    public static async Task DeleteAsync(S3Context context)
    {
        context.RequireWrite();
        await BucketAccess.RequireAsync(context);
        // Deleting a key that is not there succeeds: S3 answers 204 either way.
        await context.Services.Store.DeleteObjectAsync(context.Caller.ProjectId, context.Bucket, context.Key, context.Aborted);
        context.Response.StatusCode = 204;
    }

    /// <summary>A signed GET may ask for different response headers (<c>response-content-type</c>… in the query).</summary>
    private static void OverrideResponseHeaders(S3Context context)
    {
        foreach (var (parameter, header) in (ReadOnlySpan<(string, string)>)[
                     ("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"),
                     ("response-expires", "Expires"), ("response-cache-control", "Cache-Control"),
                     ("response-content-disposition", "Content-Disposition"), ("response-content-encoding", "Content-Encoding")])
        {
            if (context.Request.Get(parameter) is { } value)
                context.Response.Headers[header] = value;
        }
    }
}
