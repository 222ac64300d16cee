using System.Buffers;
using System.Security.Cryptography;
using CloudBox.Core.Objects;
using CloudBox.Linux.Files;
using CloudBox.Volumes.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Backups;

/// <summary>
/// Backs volumes up as chunked objects plus a metadata object, the way Cinder's Swift (chunked)
/// backup driver does: the volume is read in fixed-size chunks; all-zero chunks are not stored;
/// an incremental backup stores only the chunks whose SHA-256 differs from its parent's and points
/// at the parent's objects for the rest. Every step can be repeated after a crash: objects are
/// named by backup and index and simply written again, and the metadata object comes last.
/// One chunk is in memory at a time, never the whole volume; holes of the thin file are not read.
/// </summary>
public sealed class BackupDriver(VolumeFiles files, VolumesSettings settings, IServiceProvider services)
{
    public const string DefaultContainer = "volumebackups";

    /// <summary>Backups made before chunked backups: one raw file per backup under <c>DATA/volumes/backups</c>.</summary>
    public const string RawBackend = "raw";

    private readonly FileBackupRepository _files = new(files.BackupRoot, files.TemporaryDirectory);

    /// <summary>The object store when the Objects module runs, files otherwise.</summary>
    public string DefaultBackend => services.GetService<IProjectObjectStore>() is null ? FileBackupRepository.Name : ObjectBackupRepository.Name;

    public IBackupRepository Repository(string backend) => backend switch
    {
        ObjectBackupRepository.Name => new ObjectBackupRepository(services.GetService<IProjectObjectStore>()
            ?? throw new InvalidOperationException("This backup is in the object store, and the Objects module is not running.")),
        FileBackupRepository.Name => _files,
        _ => throw new InvalidOperationException($"Unknown backup backend '{backend}'."),
    };

    /// <summary>Cinder's object prefix: <c>volume_VOLUME/YYYYMMDDhhmmss/az_ZONE_backup_BACKUP</c>.</summary>
    public static string Prefix(string volumeId, string backupId, DateTimeOffset at) =>
        $"volume_{volumeId}/{at.UtcDateTime:yyyyMMddHHmmss}/az_{Volumes.VolumeJson.AvailabilityZone}_backup_{backupId}";

    public static string ChunkName(string prefix, int index) => $"{prefix}-{index + 1:D5}";

    public static string MetadataName(string prefix) => prefix + "_metadata";

    /// <summary>Writes the backup's chunks and then its metadata object; returns how many chunk objects it stored.</summary>
    public async Task<int> BackUpAsync(BackupRecord backup, BackupRecord? parent, CancellationToken cancellationToken)
    {
        var repository = Repository(backup.Backend);
        await repository.PrepareAsync(backup.ProjectId, backup.Container!, cancellationToken);
        var parentManifest = parent is null ? null : await ReadManifestAsync(parent, cancellationToken)
            ?? throw new InvalidOperationException($"The parent backup {parent.Id} has no metadata object; make a full backup.");
        var chunkBytes = settings.BackupChunkBytes;
        var sizeBytes = backup.SizeGb * VolumeFiles.GiB;
        var manifest = new BackupManifest
        {
            BackupId = backup.Id, VolumeId = backup.VolumeId, ParentId = parent?.Id, ChunkBytes = chunkBytes, SizeBytes = sizeBytes,
        };
        var stored = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
        try
        {
            var source = backup.SnapshotId is null ? files.VolumePath(backup.VolumeId) : files.SnapshotPath(backup.SnapshotId);
            using var volume = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var fd = (int)volume.DangerousGetHandle();
            for (var index = 0; (long)index * chunkBytes < sizeBytes; index++)
            {
                var offset = (long)index * chunkBytes;
                var length = (int)Math.Min(chunkBytes, sizeBytes - offset);
                // A chunk that lies wholly in a hole of the thin file is zeros: no need to read it.
                var nextData = PositionalIo.NextData(fd, offset);
                if (nextData < 0 || nextData >= offset + length)
                {
                    manifest.Chunks.Add(new BackupChunk());
                    continue;
                }
                var read = ReadFull(volume, buffer.AsSpan(0, length), offset);
                buffer.AsSpan(read, length - read).Clear(); // past the end of a shorter file: zeros
                var data = buffer.AsMemory(0, length);
                var chunk = new BackupChunk();
                if (data.Span.IndexOfAnyExcept((byte)0) >= 0)
                {
                    chunk.Sha256 = Convert.ToHexStringLower(SHA256.HashData(data.Span));
                    if (parentManifest is not null && parentManifest.ChunkBytes == chunkBytes && index < parentManifest.Chunks.Count
                        && parentManifest.Chunks[index] is { Object: not null } unchanged && unchanged.Sha256 == chunk.Sha256)
                    {
                        (chunk.Container, chunk.Object) = (unchanged.Container, unchanged.Object);
                    }
                    else
                    {
                        (chunk.Container, chunk.Object) = (backup.Container, ChunkName(backup.ObjectPrefix!, index));
                        using var body = new MemoryStream(buffer, 0, length, writable: false);
                        await repository.PutAsync(backup.ProjectId, backup.Container!, chunk.Object, body, cancellationToken);
                        stored++;
                    }
                }
                manifest.Chunks.Add(chunk);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        using (var metadata = new MemoryStream(manifest.ToUtf8(), writable: false))
            await repository.PutAsync(backup.ProjectId, backup.Container!, MetadataName(backup.ObjectPrefix!), metadata, cancellationToken);
        return stored;
    }

    /// <summary>Writes the backup's data into <paramref name="destination"/> (a new file), chunk by chunk from wherever each is stored.</summary>
    public async Task RestoreAsync(BackupRecord backup, string destination, CancellationToken cancellationToken)
    {
        var manifest = await ReadManifestAsync(backup, cancellationToken)
            ?? throw new InvalidOperationException($"The backup {backup.Id} has no metadata object in {backup.Container}; it cannot be restored.");
        var repository = Repository(backup.Backend);
        await using var file = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        file.SetLength(manifest.SizeBytes);
        for (var index = 0; index < manifest.Chunks.Count; index++)
        {
            var chunk = manifest.Chunks[index];
            if (chunk.Object is null)
                continue; // all zeros: the new file's hole already reads as zeros
            var offset = index * manifest.ChunkBytes;
            file.Position = offset;
            if (!await repository.CopyToAsync(backup.ProjectId, chunk.Container!, chunk.Object, file, cancellationToken))
                throw new InvalidOperationException($"The backup object {chunk.Container}/{chunk.Object} is missing; the backup cannot be restored.");
            var expected = Math.Min(manifest.ChunkBytes, manifest.SizeBytes - offset);
            if (file.Position - offset != expected)
                throw new InvalidOperationException($"The backup object {chunk.Container}/{chunk.Object} holds {file.Position - offset} bytes, not {expected}.");
        }
        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Deletes the objects this backup stored (never its parents'), then its metadata object. Safe to repeat.</summary>
    public async Task DeleteAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        if (backup.Backend == RawBackend)
        {
            File.Delete(files.BackupPath(backup.Id));
            return;
        }
        if (backup.ObjectPrefix is null || backup.Container is null)
            return;
        var repository = Repository(backup.Backend);
        var manifest = await ReadManifestAsync(backup, cancellationToken);
        // Without a metadata object (a backup that failed part-way) the names it may have written are still known.
        var chunkBytes = manifest?.ChunkBytes ?? settings.BackupChunkBytes;
        var count = (int)((backup.SizeGb * VolumeFiles.GiB + chunkBytes - 1) / chunkBytes);
        for (var index = 0; index < count; index++)
            await repository.DeleteAsync(backup.ProjectId, backup.Container, ChunkName(backup.ObjectPrefix, index), cancellationToken);
        await repository.DeleteAsync(backup.ProjectId, backup.Container, MetadataName(backup.ObjectPrefix), cancellationToken);
    }

    public async Task<BackupManifest?> ReadManifestAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        if (backup.Backend == RawBackend || backup.ObjectPrefix is null || backup.Container is null)
            return null;
        using var buffer = new MemoryStream();
        return await Repository(backup.Backend).CopyToAsync(backup.ProjectId, backup.Container, MetadataName(backup.ObjectPrefix), buffer, cancellationToken)
            ? BackupManifest.Parse(buffer.ToArray())
            : null;
    }

    private static int ReadFull(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }
}
