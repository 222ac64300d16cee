using System.IO.Pipelines;
using CloudBox.Objects.S3.Auth;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.S3.Handlers;

/// <summary>
/// CopyObject (<c>x-amz-copy-source</c>): the source's bytes are streamed into a new blob (objects
/// never share blobs, so deleting one cannot damage the other); metadata is the source's
/// (<c>COPY</c>, the default) or the request's (<c>REPLACE</c>).
/// </summary>
internal static class CopyObjectHandler
{
    public static async Task HandleAsync(S3Context context)
    {
        context.RequireWrite();
        var (sourceBucket, sourceKey) = ParseSource(context.Headers["x-amz-copy-source"].ToString());
        var directive = context.Headers["x-amz-metadata-directive"].ToString();
        if (directive.Length > 0 && directive is not "COPY" and not "REPLACE")
            throw S3Error.InvalidArgument("Unknown metadata directive.");
        var replace = directive == "REPLACE";

        var store = context.Services.Store;
        if (await store.FindContainerAsync(context.Caller.ProjectId, sourceBucket, context.Aborted) is null)
            throw S3Error.NoSuchBucket(sourceBucket);
        var source = await store.FindObjectAsync(context.Caller.ProjectId, sourceBucket, sourceKey, context.Aborted) ?? throw S3Error.NoSuchKey(sourceKey);
        await BucketAccess.RequireAsync(context);
        if (!replace && sourceBucket == context.Bucket && sourceKey == context.Key)
            throw S3Error.InvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
        if (Preconditions.Evaluate(CopySourceConditions(context), source) is not null)
            throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");

        var blob = await CopyBytesAsync(context, source);
        var record = new ObjectRecord
        {
            ProjectId = context.Caller.ProjectId,
            Container = context.Bucket,
            Name = context.Key,
            Size = blob.Size,
            // A copy of a multipart object is one blob: its ETag becomes the plain MD5, as in S3.
            Etag = blob.Md5Hex,
            ContentType = replace ? ObjectMetadata.ContentType(context.Headers) : source.ContentType,
            Metadata = replace ? "{}" : source.Metadata,
        };
        if (replace)
            record.SetMetadata(ObjectMetadata.FromRequest(context.Headers));
        record.SetParts([new ObjectPart(blob.BlobId, blob.Size)]);
        await ObjectHandlers.StoreAsync(context, record, [blob]);

        var stored = await store.FindObjectAsync(context.Caller.ProjectId, context.Bucket, context.Key, context.Aborted);
        var xml = new S3XmlWriter("CopyObjectResult");
        xml.Element("LastModified", ObjectMetadata.XmlDate(stored?.LastModified ?? record.LastModified)).Element("ETag", ObjectMetadata.Quote(blob.Md5Hex));
        await xml.WriteToAsync(context.Response, context.Aborted);
    }

    /// <summary>Pipes the source object through the blob store's durable write (temp, fsync, rename) without holding it in memory.</summary>
    private static async Task<BlobWrite> CopyBytesAsync(S3Context context, ObjectRecord source)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var produce = Task.Run(async () =>
        {
            try
            {
                await using var writer = pipe.Writer.AsStream();
                await context.Services.Reader.CopyAsync(source, 0, source.Size, writer, context.Aborted);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception failure)
            {
                await pipe.Writer.CompleteAsync(failure);
            }
        });
        await using var reader = pipe.Reader.AsStream();
        var blob = await context.Services.Blobs.WriteAsync(reader, source.Size, long.MaxValue, context.Aborted);
        await produce;
        return blob;
    }

    /// <summary><c>/bucket/key</c> or <c>bucket/key</c>, URL-encoded, optionally with <c>?versionId=</c>.</summary>
    private static (string Bucket, string Key) ParseSource(string header)
    {
        var question = header.IndexOf('?');
        var path = SigV4Encoding.Decode(question < 0 ? header : header[..question]).TrimStart('/');
        var slash = path.IndexOf('/');
        if (slash <= 0 || slash == path.Length - 1)
            throw S3Error.InvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
        return (path[..slash], path[(slash + 1)..]);
    }

    private static Microsoft.AspNetCore.Http.HeaderDictionary CopySourceConditions(S3Context context)
    {
        var conditions = new Microsoft.AspNetCore.Http.HeaderDictionary();
        foreach (var (copyHeader, header) in (ReadOnlySpan<(string, string)>)[
                     ("x-amz-copy-source-if-match", "If-Match"), ("x-amz-copy-source-if-none-match", "If-None-Match"),
                     ("x-amz-copy-source-if-modified-since", "If-Modified-Since"), ("x-amz-copy-source-if-unmodified-since", "If-Unmodified-Since")])
        {
            var value = context.Headers[copyHeader];
            if (value.Count > 0)
                conditions[header] = value;
        }
        return conditions;
    }
}
