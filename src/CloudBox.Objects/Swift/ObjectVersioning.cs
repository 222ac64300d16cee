using System.Globalization;
using System.Text;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>
/// Swift's legacy versioned writes. With <c>X-Versions-Location</c> ("stack") an overwritten
/// object moves to the archive container as <c>{len:03x}{name}/{timestamp}</c> and a DELETE
/// restores the newest archived version; with <c>X-History-Location</c> ("history") a DELETE
/// archives the current version and leaves a delete marker. Moves keep the blobs: no bytes copied.
/// </summary>
internal static class ObjectVersioning
{
    public const string DeleteMarkerType = "application/x-deleted;swift_versions_deleted=1";

    public static string ArchivePrefix(string name) =>
        Encoding.UTF8.GetByteCount(name).ToString("x3", CultureInfo.InvariantCulture) + name + "/";

    /// <summary>Before <paramref name="name"/> is overwritten: moves the current version into the archive.</summary>
    public static async Task ArchiveCurrentAsync(SwiftRequest request, ContainerRecord container, string name)
    {
        if (container.VersionsLocation is not { } archive)
            return;
        var current = await request.Store.FindObjectAsync(container.ProjectId, container.Name, name, request.Aborted);
        if (current is null || current.LargeObject?.StartsWith(ObjectView.DynamicMarkerPrefix, StringComparison.Ordinal) == true)
            return;
        await MoveAsync(request, current, archive, ArchivePrefix(name) + SwiftHeaders.XTimestamp(current.LastModified));
    }

    public static async Task DeleteAsync(SwiftRequest request, ContainerRecord container)
    {
        var name = request.Path.Object!;
        var store = request.Store;
        var mode = container.MetadataMap().GetValueOrDefault(ContainerEndpoints.VersionsModeKey);
        if (container.VersionsLocation is not { } archive)
        {
            if (await store.DeleteObjectAsync(container.ProjectId, container.Name, name, request.Aborted) is null)
                throw SwiftFaults.NotFound();
        }
        else if (mode == "history")
        {
            var current = await ObjectEndpoints.RequireObjectAsync(request, request.Path);
            await MoveAsync(request, current, archive, ArchivePrefix(name) + SwiftHeaders.XTimestamp(current.LastModified));
            var now = Core.Ids.Timestamps.ToStorage(request.Backend.Clock.GetUtcNow());
            var marker = new ObjectRecord
            {
                ProjectId = container.ProjectId, Container = archive, Name = ArchivePrefix(name) + SwiftHeaders.XTimestamp(now),
                Etag = "d41d8cd98f00b204e9800998ecf8427e", ContentType = DeleteMarkerType, LastModified = now,
            };
            await store.PutObjectAsync(marker, [], request.Aborted);
        }
        else
        {
            var current = await store.DeleteObjectAsync(container.ProjectId, container.Name, name, request.Aborted);
            var latest = await store.ListObjectsAsync(container.ProjectId, archive, new ListingQuery(Prefix: ArchivePrefix(name), Limit: 1, Reverse: true), request.Aborted);
            if (latest.Count > 0 && latest[0].Item is { } previous)
                await store.MoveObjectAsync(previous, container.Name, name, request.Aborted);
            else if (current is null)
                throw SwiftFaults.NotFound();
        }
        request.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task MoveAsync(SwiftRequest request, ObjectRecord current, string archive, string archivedName)
    {
        try
        {
            await request.Store.MoveObjectAsync(current, archive, archivedName, request.Aborted);
        }
        catch (ContainerNotFoundException)
        {
            throw SwiftFaults.PreconditionFailed($"Versions container '{archive}' does not exist");
        }
    }
}
