namespace CloudBox.Volumes.Backups;

/// <summary>
/// Where backup chunks live: objects in the owner's object-store account when the Objects module
/// runs (<see cref="ObjectBackupRepository"/>), files under the data directory when it does not
/// (<see cref="FileBackupRepository"/>). Names are the object names Cinder's Swift driver uses.
/// </summary>
public interface IBackupRepository
{
    /// <summary>The value stored in a backup's <c>backend</c> column.</summary>
    string Backend { get; }

    Task PrepareAsync(string projectId, string container, CancellationToken cancellationToken);

    Task PutAsync(string projectId, string container, string name, Stream data, CancellationToken cancellationToken);

    /// <summary>False when the object is not there.</summary>
    Task<bool> CopyToAsync(string projectId, string container, string name, Stream destination, CancellationToken cancellationToken);

    /// <summary>Idempotent: a missing object is not an error.</summary>
    Task DeleteAsync(string projectId, string container, string name, CancellationToken cancellationToken);
}
