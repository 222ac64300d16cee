using CloudBox.Core.Api.Aws;
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
        var directive = context.Headers["x-amz-metadata-directive"].ToString();
        if (directive.Length > 0 && directive is not "COPY" and not "REPLACE")
            throw S3Error.InvalidArgument("Unknown metadata directive.");
        var replace = directive == "REPLACE";

        var source = await RequireSourceAsync(context);
        await BucketAccess.RequireAsync(context);
        if (!replace && source.Container == context.Bucket && source.Name == context.Key)
            throw S3Error.InvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");

        var blob = await CopyBytesAsync(context, source, 0, source.Size);
        var store = context.Services.Store;
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

    /// <summary>The object <c>x-amz-copy-source</c> names, in the caller's project (another project's bucket is denied like any other access).</summary>
    public static async Task<ObjectRecord> RequireSourceAsync(S3Context context)
    {
        var (bucket, key) = ParseSource(context.Headers["x-amz-copy-source"].ToString());
        var store = context.Services.Store;
        if (await store.FindContainerAsync(context.Caller.ProjectId, bucket, context.Aborted) is null)
            throw S3Error.NoSuchBucket(bucket);
        var source = await store.FindObjectAsync(context.Caller.ProjectId, bucket, key, context.Aborted) ?? throw S3Error.NoSuchKey(key);
        if (Preconditions.Evaluate(CopySourceConditions(context), source) is not null)
            throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        return source;
    }

    /// <summary>Pipes bytes of the source object through the blob store's durable write (temp, fsync, rename) without holding them in memory.</summary>
    public static async Task<BlobWrite> CopyBytesAsync(S3Context context, ObjectRecord source, long offset, long length)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var produce = Task.Run(async () =>
        {
            try
            {
                await using var writer = pipe.Writer.AsStream();
                await context.Services.Reader.CopyAsync(source, offset, length, writer, context.Aborted);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception failure)
            {
                await pipe.Writer.CompleteAsync(failure);
            }
        });
        await using var reader = pipe.Reader.AsStream();
        var blob = await context.Services.Blobs.WriteAsync(reader, length, long.MaxValue, context.Aborted);
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
