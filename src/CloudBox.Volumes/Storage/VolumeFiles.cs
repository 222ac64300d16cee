using CloudBox.Linux.FileSystem;

namespace CloudBox.Volumes.Storage;

/// <summary>
/// Volume and snapshot data as thin (sparse) raw files under <c>DATA/volumes/</c>. Every new file
/// is built under a temporary name, fsynced and renamed, so a crash never leaves half a volume
/// under its real name. Copies share blocks where the file system can (reflink) and otherwise
/// copy only the allocated extents in the kernel.
/// </summary>
public sealed class VolumeFiles
{
    public const long GiB = 1L << 30;
    private readonly string _root;
    private readonly string _volumes;
    private readonly string _snapshots;
    private readonly string _temporary;
    private readonly string _backups;
    private readonly long? _capacityGigabytes;

    public VolumeFiles(string dataDirectory, long? capacityGigabytes)
    {
        _root = Path.Combine(dataDirectory, "volumes");
        _volumes = Path.Combine(_root, "volumes");
        _snapshots = Path.Combine(_root, "snapshots");
        _temporary = Path.Combine(_root, "tmp");
        _backups = Path.Combine(_root, "backups");
        _capacityGigabytes = capacityGigabytes;
        Directory.CreateDirectory(_volumes);
        Directory.CreateDirectory(_snapshots);
        Directory.CreateDirectory(_temporary);
        Directory.CreateDirectory(_backups);
    }

    public string VolumePath(string id) => Path.Combine(_volumes, Checked(id) + ".raw");

    public string SnapshotPath(string id) => Path.Combine(_snapshots, Checked(id) + ".raw");

    /// <summary>A backup made before backups were chunked: one raw copy of the volume.</summary>
    public string BackupPath(string id) => Path.Combine(_backups, Checked(id) + ".raw");

    /// <summary>Chunked backups kept as files (when no object store runs), by project and container.</summary>
    public string BackupRoot => _backups;

    public string TemporaryDirectory => _temporary;

    public string NewTemporaryPath() => Path.Combine(_temporary, Guid.NewGuid().ToString("N"));

    /// <summary>An empty (all-zero, unallocated) disk of <paramref name="sizeGb"/> GiB.</summary>
    public void CreateEmpty(string destination, int sizeGb)
    {
        var temporary = NewTemporaryPath();
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            file.SetLength(sizeGb * GiB);
            file.Flush(flushToDisk: true);
        }
        Publish(temporary, destination);
    }

    /// <summary>A copy of <paramref name="source"/> grown to <paramref name="sizeGb"/> GiB.</summary>
    public void CreateCopy(string source, string destination, int sizeGb)
    {
        var temporary = NewTemporaryPath();
        FileCloner.Clone(source, temporary);
        Grow(temporary, sizeGb);
        Publish(temporary, destination);
    }

    /// <summary>Publishes a file built elsewhere (e.g. by qemu-img) as <paramref name="destination"/>, grown to size.</summary>
    public void Adopt(string temporary, string destination, int sizeGb)
    {
        Grow(temporary, sizeGb);
        Publish(temporary, destination);
    }

    public void Grow(string path, int sizeGb)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        if (file.Length < sizeGb * GiB)
            file.SetLength(sizeGb * GiB);
        file.Flush(flushToDisk: true);
    }

    public static void Delete(string path) => File.Delete(path);

    public void RemoveTemporaryFiles()
    {
        foreach (var file in Directory.EnumerateFiles(_temporary))
            File.Delete(file);
    }

    public long CapacityGigabytes() => _capacityGigabytes ?? new DriveInfo(_root).TotalSize / GiB;

    private static void Publish(string temporary, string destination)
    {
        File.Move(temporary, destination, overwrite: true);
        DirectorySync.Sync(Path.GetDirectoryName(destination)!);
    }

    private static string Checked(string id) =>
        Guid.TryParseExact(id, "D", out _) ? id : throw new ArgumentException($"'{id}' is not a volume or snapshot id.", nameof(id));
}
