using CloudBox.Linux.FileSystem;

namespace CloudBox.Volumes.Backups;

/// <summary>
/// Backup chunks as files under <c>DATA/volumes/backups/&lt;project&gt;/&lt;container&gt;/&lt;object name&gt;</c>
/// when no object store runs. Each file is written under a temporary name, fsynced and renamed, so
/// a crash leaves the old chunk or the new one, never half.
/// </summary>
public sealed class FileBackupRepository(string root, string temporary) : IBackupRepository
{
    public const string Name = "file";

    public string Backend => Name;

    public Task PrepareAsync(string projectId, string container, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(PathOf(projectId, container, null));
        return Task.CompletedTask;
    }

    public async Task PutAsync(string projectId, string container, string name, Stream data, CancellationToken cancellationToken)
    {
        var destination = PathOf(projectId, container, name);
        var directory = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(directory);
        var staging = Path.Combine(temporary, Guid.NewGuid().ToString("N"));
        try
        {
            await using (var file = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await data.CopyToAsync(file, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(staging, destination, overwrite: true);
            DirectorySync.Sync(directory);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    public async Task<bool> CopyToAsync(string projectId, string container, string name, Stream destination, CancellationToken cancellationToken)
    {
        var path = PathOf(projectId, container, name);
        if (!File.Exists(path))
            return false;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await file.CopyToAsync(destination, cancellationToken);
        return true;
    }

    public Task DeleteAsync(string projectId, string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            File.Delete(PathOf(projectId, container, name));
        }
        catch (DirectoryNotFoundException)
        {
        }
        return Task.CompletedTask;
    }

    /// <summary>Names become paths only after every segment is checked: no empty, dot or dot-dot segment can climb out of the root.</summary>
    private string PathOf(string projectId, string container, string? name)
    {
        var segments = new List<string> { root, Checked(projectId), Checked(container) };
        if (name is not null)
            segments.AddRange(name.Split('/').Select(Checked));
        return Path.Combine([.. segments]);
    }

    private static string Checked(string segment) =>
        segment.Length is > 0 and <= 255 && segment is not ("." or "..") && !segment.Contains('\0') && !segment.Contains('/')
            ? segment
            : throw new ArgumentException($"'{segment}' cannot name a backup file.", nameof(segment));
}
