namespace CloudBox.Core.Objects;

/// <summary>
/// Objects in a project's own object-store account, for other modules (implemented by Objects,
/// used by Volumes for backups), in process. What is written here is what a Swift client of that
/// project lists and reads: same containers, same durability as a Swift PUT. Bodies are streamed,
/// never held whole in memory.
/// </summary>
public interface IProjectObjectStore
{
    /// <summary>Creates the container in the project's account when it does not exist yet.</summary>
    Task EnsureContainerAsync(string projectId, string container, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="data"/> (read to its end) as the object, replacing one of the same
    /// name; visible only once complete. Returns the object's ETag (hex MD5). Throws
    /// <see cref="InvalidOperationException"/> when the container does not exist.
    /// </summary>
    Task<string> PutAsync(string projectId, string container, string name, Stream data, string contentType, CancellationToken cancellationToken);

    /// <summary>Copies the object's bytes to <paramref name="destination"/>; false (nothing written) when there is no such object.</summary>
    Task<bool> CopyToAsync(string projectId, string container, string name, Stream destination, CancellationToken cancellationToken);

    /// <summary>Deletes the object; false when there was none.</summary>
    Task<bool> DeleteAsync(string projectId, string container, string name, CancellationToken cancellationToken);
}
