using System.Globalization;
using System.Text;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>GET and HEAD of an object: headers, conditional requests, single and multiple byte ranges, streamed bodies.</summary>
internal static class ObjectDownload
{
    public static async Task HandleAsync(SwiftRequest request, bool withBody)
    {
        var record = await ObjectEndpoints.RequireObjectAsync(request, request.Path);
        var view = ObjectView.Of(record);
        if (view.IsStatic && request.Query("multipart-manifest") == "get")
        {
            await WriteManifestAsync(request, record, withBody);
            return;
        }
        // multipart-manifest=get on a DLO answers the (empty) manifest object itself, as Swift does.
        var plan = view.DynamicManifest is not null && request.Query("multipart-manifest") == "get"
            ? new ContentPlan([new ObjectPiece(record, 0, record.Size)], record.Etag, quotedEtag: false)
            : await ContentPlan.ResolveAsync(request, record);
        var response = request.Response;
        WriteObjectHeaders(response, record, view);
        response.Headers.ETag = plan.EtagHeader;
        response.ContentType = record.ContentType;

        var lastModified = SwiftHeaders.LastModified(record.LastModified);
        if (Preconditions.Evaluate(request.Request, plan.Etag, lastModified) is { } status)
        {
            if (status == 412)
                throw SwiftFaults.PreconditionFailed();
            response.StatusCode = StatusCodes.Status304NotModified;
            response.ContentType = null;
            return;
        }

        var ranges = withBody ? ByteRange.Parse(request.Header("Range"), plan.Length) : null;
        if (ranges is { Count: 0 })
            throw SwiftFaults.RangeNotSatisfiable(plan.Length);
        if (ranges is null)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentLength = plan.Length;
            if (withBody)
                await plan.WriteAsync(request.Backend.Reader, 0, plan.Length, response.Body, request.Aborted);
            return;
        }
        response.StatusCode = StatusCodes.Status206PartialContent;
        if (ranges.Count == 1)
        {
            var range = ranges[0];
            response.Headers.ContentRange = $"bytes {range.Start}-{range.End}/{plan.Length}";
            response.ContentLength = range.Length;
            await plan.WriteAsync(request.Backend.Reader, range.Start, range.Length, response.Body, request.Aborted);
            return;
        }
        await WriteMultipleRangesAsync(request, plan, ranges, record.ContentType);
    }

    public static void WriteObjectHeaders(HttpResponse response, ObjectRecord record, ObjectView view)
    {
        response.Headers.LastModified = SwiftHeaders.HttpDate(SwiftHeaders.LastModified(record.LastModified));
        response.Headers["X-Timestamp"] = SwiftHeaders.XTimestamp(record.LastModified);
        response.Headers.AcceptRanges = "bytes";
        var metadata = record.MetadataMap();
        SwiftHeaders.WriteMetadata(response, "Object", metadata, ObjectView.UserMetaPrefix);
        foreach (var header in ObjectView.StoredHeaders)
        {
            if (metadata.TryGetValue(header.ToLowerInvariant(), out var value))
                response.Headers[header] = MetadataText.ForHeader(value);
        }
        if (record.DeleteAt is { } deleteAt)
            response.Headers["X-Delete-At"] = deleteAt.ToString(CultureInfo.InvariantCulture);
        if (view.IsStatic)
            response.Headers["X-Static-Large-Object"] = "True";
        if (view.DynamicManifest is { } manifest)
            response.Headers["X-Object-Manifest"] = SwiftHeaders.HeaderSafe(manifest);
    }

    /// <summary><c>multipart-manifest=get</c>: the stored manifest itself (or with <c>format=raw</c>, in the form a client PUTs).</summary>
    private static async Task WriteManifestAsync(SwiftRequest request, ObjectRecord record, bool withBody)
    {
        var body = await ContentPlan.ReadAllAsync(request, record);
        if (request.Query("format") == "raw")
            body = StaticManifest.Serialize(StaticManifest.Parse(body), raw: true);
        var response = request.Response;
        WriteObjectHeaders(response, record, ObjectView.Of(record));
        response.Headers.ETag = record.Etag;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        if (withBody)
            await response.Body.WriteAsync(body, request.Aborted);
    }

    /// <summary>Several ranges: a <c>multipart/byteranges</c> body, its length computed up front.</summary>
    private static async Task WriteMultipleRangesAsync(SwiftRequest request, ContentPlan plan, List<ByteRange> ranges, string contentType)
    {
        var boundary = Guid.NewGuid().ToString("N");
        var heads = ranges.Select(r => Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Type: {contentType}\r\nContent-Range: bytes {r.Start}-{r.End}/{plan.Length}\r\n\r\n")).ToList();
        var crlf = "\r\n"u8.ToArray();
        var tail = Encoding.ASCII.GetBytes($"--{boundary}--");
        var response = request.Response;
        response.ContentType = $"multipart/byteranges;boundary={boundary}";
        response.ContentLength = heads.Sum(h => (long)h.Length) + ranges.Sum(r => r.Length + crlf.Length) + tail.Length;
        for (var i = 0; i < ranges.Count; i++)
        {
            await response.Body.WriteAsync(heads[i], request.Aborted);
            await plan.WriteAsync(request.Backend.Reader, ranges[i].Start, ranges[i].Length, response.Body, request.Aborted);
            await response.Body.WriteAsync(crlf, request.Aborted);
        }
        await response.Body.WriteAsync(tail, request.Aborted);
    }
}
