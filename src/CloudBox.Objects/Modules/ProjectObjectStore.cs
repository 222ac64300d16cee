using CloudBox.Core.Objects;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Modules;

/// <summary>
/// <see cref="IProjectObjectStore"/> over the same catalog and blobs as the Swift API: a body is
/// streamed into a blob (temporary name, fsync, rename) and only then named by an object row in
/// one transaction, exactly as a Swift PUT does, so another module's objects are as durable and
/// as visible (<c>swift list</c>) as a user's.
/// </summary>
internal sealed class ProjectObjectStore(ObjectStore store, BlobStore blobs, ObjectReader reader, ObjectsSettings settings) : IProjectObjectStore
{
    public async Task EnsureContainerAsync(string projectId, string container, CancellationToken cancellationToken)
    {
        if (await store.FindContainerAsync(projectId, container, cancellationToken) is null)
            await store.PutContainerAsync(new ContainerRecord { ProjectId = projectId, Name = container }, cancellationToken);
    }

    public async Task<string> PutAsync(string projectId, string container, string name, Stream data, string contentType, CancellationToken cancellationToken)
    {
        var blob = await blobs.WriteAsync(data, expectedLength: null, settings.MaxObjectBytes, cancellationToken);
        try
        {
            var record = new ObjectRecord { ProjectId = projectId, Container = container, Name = name, Size = blob.Size, Etag = blob.Md5Hex, ContentType = contentType };
            record.SetParts([new ObjectPart(blob.BlobId, blob.Size)]);
            await store.PutObjectAsync(record, [blob], cancellationToken);
            return blob.Md5Hex;
        }
        catch (ContainerNotFoundException)
        {
            blobs.Delete(blob.BlobId);
            throw new InvalidOperationException($"The container {container} of project {projectId} does not exist.");
        }
        catch
        {
            blobs.Delete(blob.BlobId); // no row names it: it must not linger
            throw;
        }
    }

    public async Task<bool> CopyToAsync(string projectId, string container, string name, Stream destination, CancellationToken cancellationToken)
    {
        var record = await store.FindObjectAsync(projectId, container, name, cancellationToken);
        if (record is null)
            return false;
        await reader.CopyAsync(record, 0, record.Size, destination, cancellationToken);
        return true;
    }

    public async Task<bool> DeleteAsync(string projectId, string container, string name, CancellationToken cancellationToken) =>
        await store.DeleteObjectAsync(projectId, container, name, cancellationToken) is not null;
}
