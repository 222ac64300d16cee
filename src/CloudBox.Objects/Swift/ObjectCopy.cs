using System.IO.Pipelines;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Swift;

/// <summary>
/// Server-side copy (<c>COPY</c> with <c>Destination</c>, or <c>PUT</c> with <c>X-Copy-From</c>):
/// the source's bytes (a large object's assembled content) stream through a pipe into a new blob,
/// so the copy is independent of the source and never whole in memory.
/// </summary>
internal static class ObjectCopy
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="target"/>; <paramref name="request"/> is authorized to write the target.</summary>
    public static async Task CopyAsync(SwiftRequest request, SwiftPath source, SwiftPath target, ContainerRecord targetContainer)
    {
        // A TempURL grants its one object only, never the source of a copy.
        var sourceRequest = new SwiftRequest(request.Context, source, request.Backend);
        var sourceContainer = await request.Store.FindContainerAsync(source.ProjectId, source.Container!, request.Aborted);
        sourceRequest.Authorize(SwiftOperation.ReadObject, sourceContainer);
        var sourceRecord = await ObjectEndpoints.RequireObjectAsync(request, source);
        var plan = await ContentPlan.ResolveAsync(sourceRequest, sourceRecord);
        if (plan.Length > request.Backend.Settings.MaxObjectBytes)
            throw SwiftFaults.TooLarge();

        var blob = await CopyBytesAsync(request, plan);
        try
        {
            // Metadata travels with the copy unless the client asks for fresh metadata.
            var fresh = request.Header("X-Fresh-Metadata")?.ToLowerInvariant() is "true" or "1" or "yes";
            var inherited = fresh ? [] : sourceRecord.MetadataMap().Where(p => !SwiftHeaders.IsSystemKey(p.Key)).ToDictionary();
            var record = ObjectUpload.NewRecord(request, target, blob.Size, blob.Md5Hex, ObjectUpload.DeleteAt(request), inherited);
            if (string.IsNullOrEmpty(request.Header("Content-Type")))
                record.ContentType = sourceRecord.ContentType;
            record.SetParts([new ObjectPart(blob.BlobId, blob.Size)]);
            ObjectUpload.VerifyChecksums(request, blob.Md5Hex);
            request.Response.Headers["X-Copied-From"] = Uri.EscapeDataString(source.Container!) + "/" + string.Join('/', source.Object!.Split('/').Select(Uri.EscapeDataString));
            request.Response.Headers["X-Copied-From-Account"] = source.Account;
            request.Response.Headers["X-Copied-From-Last-Modified"] = SwiftHeaders.HttpDate(SwiftHeaders.LastModified(sourceRecord.LastModified));
            await ObjectUpload.StoreAsync(request, targetContainer, record, [blob]);
        }
        catch
        {
            request.Backend.Blobs.Delete(blob.BlobId);
            throw;
        }
    }

    private static async Task<BlobWrite> CopyBytesAsync(SwiftRequest request, ContentPlan plan)
    {
        var pipe = new Pipe();
        var producer = Task.Run(async () =>
        {
            try
            {
                await using var output = pipe.Writer.AsStream(leaveOpen: true);
                await plan.WriteAsync(request.Backend.Reader, 0, plan.Length, output, request.Aborted);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception error)
            {
                await pipe.Writer.CompleteAsync(error);
            }
        });
        try
        {
            await using var input = pipe.Reader.AsStream(leaveOpen: true);
            return await request.Backend.Blobs.WriteAsync(input, plan.Length, request.Backend.Settings.MaxObjectBytes, request.Aborted);
        }
        finally
        {
            await pipe.Reader.CompleteAsync(); // unblocks the producer if the write failed
            await producer;
        }
    }
}
