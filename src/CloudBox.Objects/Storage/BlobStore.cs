using System.Buffers;
using System.Security.Cryptography;

namespace CloudBox.Objects.Storage;

/// <summary>
/// Object bytes as files under <c>DATA/objects/blobs/ab/cd/&lt;id&gt;</c>: streamed in (never whole
/// in memory) to a temporary name, MD5 computed on the way, fsynced, renamed, directory fsynced.
/// A blob only counts once a database row names it (<c>objects_blobs</c>); files no row names
/// are leftovers of a crash and are swept.
/// </summary>
public sealed class BlobStore
{
    private const int BufferBytes = 1 << 20;
    private readonly string _blobs;
    private readonly string _temporary;

    public BlobStore(string dataDirectory)
    {
        var root = Path.Combine(dataDirectory, "objects");
        _blobs = Path.Combine(root, "blobs");
        _temporary = Path.Combine(root, "tmp");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_temporary);
    }

    /// <summary>
    /// Writes <paramref name="source"/> to a new blob. When <paramref name="expectedLength"/> is
    /// given, a short or long body is refused (the client's upload was cut or lied).
    /// </summary>
    public async Task<BlobWrite> WriteAsync(Stream source, long? expectedLength, long maxLength, CancellationToken cancellationToken)
    {
        var blobId = Guid.NewGuid().ToString("N");
        var temporary = Path.Combine(_temporary, blobId);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        long size = 0;
        try
        {
            await using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0,
                Options = FileOptions.Asynchronous, PreallocationSize = expectedLength ?? 0,
            }))
            {
                while (true)
                {
                    var read = await ReadFullAsync(source, buffer, cancellationToken);
                    if (read == 0)
                        break;
                    size += read;
                    if (size > maxLength || (expectedLength is { } limit && size > limit))
                        throw new BlobTooLargeException(maxLength);
                    md5.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                if (expectedLength is { } expected && size != expected)
                    throw new IncompleteBodyException(expected, size);
                file.Flush(flushToDisk: true);
            }
            var final = PathOf(blobId);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temporary, final);
            SyncDirectory(Path.GetDirectoryName(final)!);
            return new BlobWrite(blobId, size, Convert.ToHexStringLower(md5.GetHashAndReset()));
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public FileStream OpenRead(string blobId) =>
        new(PathOf(blobId), new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });

    public bool Exists(string blobId) => File.Exists(PathOf(blobId));

    public void Delete(string blobId)
    {
        try
        {
            File.Delete(PathOf(blobId));
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Blob files on disk older than <paramref name="olderThan"/>, for the sweeper to check against the database.</summary>
    public IEnumerable<string> ListBlobIds(DateTime olderThan)
    {
        foreach (var file in Directory.EnumerateFiles(_blobs, "*", SearchOption.AllDirectories))
        {
            if (File.GetLastWriteTimeUtc(file) < olderThan)
                yield return Path.GetFileName(file);
        }
    }

    /// <summary>Temporary files are uploads that never finished; none survive a restart.</summary>
    public void RemoveTemporaryFiles()
    {
        foreach (var file in Directory.EnumerateFiles(_temporary))
            File.Delete(file);
    }

    public string PathOf(string blobId)
    {
        if (blobId.Length != 32 || !IsHex(blobId))
            throw new ArgumentException("Not a blob id.", nameof(blobId));
        return Path.Combine(_blobs, blobId[..2], blobId[2..4], blobId);
    }

    private static async ValueTask<int> ReadFullAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await source.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }

    /// <summary>A rename is durable only once its directory is synced.</summary>
    private static void SyncDirectory(string directory) => CloudBox.Linux.FileSystem.DirectorySync.Sync(directory);

    private static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
                return false;
        }
        return true;
    }
}
