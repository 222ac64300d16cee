using CloudBox.Core.Objects;

namespace CloudBox.Volumes.Backups;

/// <summary>Backup chunks as objects in the backup owner's account, as Cinder's Swift backup driver keeps them (<c>swift list volumebackups</c> shows them).</summary>
public sealed class ObjectBackupRepository(IProjectObjectStore objects) : IBackupRepository
{
    public const string Name = "swift";

    public string Backend => Name;

    public Task PrepareAsync(string projectId, string container, CancellationToken cancellationToken) =>
        objects.EnsureContainerAsync(projectId, container, cancellationToken);

    public Task PutAsync(string projectId, string container, string name, Stream data, CancellationToken cancellationToken) =>
        objects.PutAsync(projectId, container, name, data, "application/octet-stream", cancellationToken);

    public Task<bool> CopyToAsync(string projectId, string container, string name, Stream destination, CancellationToken cancellationToken) =>
        objects.CopyToAsync(projectId, container, name, destination, cancellationToken);

    public Task DeleteAsync(string projectId, string container, string name, CancellationToken cancellationToken) =>
        objects.DeleteAsync(projectId, container, name, cancellationToken);
}
