using System.Buffers;
using System.Security.Cryptography;
using CloudBox.Linux.Files;
using Microsoft.Win32.SafeHandles;

namespace CloudBox.Objects.Storage;

/// <summary>
/// Object bytes as files under <c>DATA/objects/blobs/ab/cd/&lt;id&gt;</c>: streamed in (never whole
/// in memory) to a temporary name, MD5 computed on the way, renamed, fsynced, directory fsynced,
/// all before any database row names the blob.
/// A blob only counts once a database row names it (<c>objects_blobs</c>); files no row names
/// are leftovers of a crash and are swept.
/// Bodies of up to <see cref="InlineMaxBytes"/> get no file at all: their bytes go into their
/// <c>objects_blobs</c> row, so a small PUT costs one (group) commit instead of a file, a rename
/// and two fsyncs before it.
/// </summary>
public sealed class BlobStore
{
    private const int BufferBytes = 4 << 20;

    /// <summary>The largest body kept inline in the database rather than in a file of its own.</summary>
    public const int InlineMaxBytes = 64 << 10;

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
    /// <remarks>
    /// Large bodies are pipelined in <see cref="BufferBytes"/> chunks: while one chunk is written
    /// (its write-back started right away) and, on another thread, hashed, the next arrives from
    /// the network. The disk works while the client still sends, so the final fsync waits for
    /// little and the PUT runs at close to the disk's speed.
    /// </remarks>
    public async Task<BlobWrite> WriteAsync(Stream source, long? expectedLength, long maxLength, CancellationToken cancellationToken)
    {
        var current = ArrayPool<byte>.Shared.Rent(BufferBytes);
        var read = 0;
        try
        {
            read = await ReadFullAsync(source, current, cancellationToken);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(current);
            throw;
        }
        if (read < current.Length && read <= InlineMaxBytes)
        {
            try
            {
                return Inline(current.AsSpan(0, read), expectedLength, maxLength);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(current);
            }
        }

        var blobId = Guid.NewGuid().ToString("N");
        var temporary = Path.Combine(_temporary, blobId);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var next = ArrayPool<byte>.Shared.Rent(BufferBytes);
        long size = 0;
        var final = PathOf(blobId);
        var moved = false;
        try
        {
            // With a known length the file is allocated up front (fallocate): no block allocation
            // on the way and no fragmentation.
            using (var handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, expectedLength ?? 0))
            {
                while (read > 0)
                {
                    size += read;
                    if (size > maxLength || (expectedLength is { } limit && size > limit))
                        throw new BlobTooLargeException(maxLength);
                    // The chunk is written (and its write-back started) and hashed at the same
                    // time, on two threads, while the next chunk arrives from the network.
                    var (chunk, length, offset) = (current, read, size - read);
                    var write = Task.Run(() => WriteAndStartWriteback(handle, chunk, length, offset), cancellationToken);
                    var hash = Task.Run(() => md5.AppendData(chunk, 0, length), cancellationToken);
                    if (read < current.Length)
                    {
                        // A short read is the end of the body.
                        await Task.WhenAll(write, hash);
                        break;
                    }
                    try
                    {
                        read = await ReadFullAsync(source, next, cancellationToken);
                    }
                    finally
                    {
                        // Both must be done with the buffer before it is read into again.
                        await Task.WhenAll(write, hash);
                    }
                    (current, next) = (next, current);
                }
                if (expectedLength is { } expected && size != expected)
                    throw new IncompleteBodyException(expected, size);
                // Rename first, then fsync: the file's fsync commits the journal that holds the
                // rename too, so the directory's fsync after it finds little left to do. Only a
                // database row makes a blob visible, and that comes after both.
                EnsureDurableDirectory(Path.GetDirectoryName(final)!);
                File.Move(temporary, final);
                moved = true;
                RandomAccess.FlushToDisk(handle);
            }
            SyncDirectory(Path.GetDirectoryName(final)!);
            return new BlobWrite(blobId, size, Convert.ToHexStringLower(md5.GetHashAndReset()));
        }
        catch
        {
            File.Delete(moved ? final : temporary);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }

    /// <summary>A whole small body: checked like a streamed one, its bytes kept for the database row.</summary>
    private static BlobWrite Inline(ReadOnlySpan<byte> body, long? expectedLength, long maxLength)
    {
        if (body.Length > maxLength || (expectedLength is { } limit && body.Length > limit))
            throw new BlobTooLargeException(maxLength);
        if (expectedLength is { } expected && body.Length != expected)
            throw new IncompleteBodyException(expected, body.Length);
        var blobId = InlinePrefix + Guid.NewGuid().ToString("N")[1..];
        return new BlobWrite(blobId, body.Length, Convert.ToHexStringLower(MD5.HashData(body)), body.ToArray());
    }

    /// <summary>Inline blob ids start with a letter no file blob id (lower-case hex) has.</summary>
    private const char InlinePrefix = 'i';

    public static bool IsInline(string blobId) => blobId.Length > 0 && blobId[0] == InlinePrefix;

    /// <summary>
    /// Writes a chunk and starts its write-back at once, so the disk works while the rest of the
    /// body still arrives and the final fsync waits only for the last chunks.
    /// </summary>
    private static void WriteAndStartWriteback(SafeFileHandle handle, byte[] buffer, int length, long offset)
    {
        RandomAccess.Write(handle, buffer.AsSpan(0, length), offset);
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            LinuxFile.StartWriteback((int)handle.DangerousGetHandle(), offset, length);
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    public FileStream OpenRead(string blobId) =>
        new(PathOf(blobId), new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });

    public bool Exists(string blobId) => File.Exists(PathOf(blobId));

    /// <summary>Unlinks a file blob; inline blobs went with their row.</summary>
    public void Delete(string blobId)
    {
        if (IsInline(blobId))
            return;
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

    /// <summary>
    /// Creates the two-level fan-out directory when missing and syncs the parents that gained an
    /// entry: a blob renamed into a directory that a power cut forgets would be lost.
    /// </summary>
    private void EnsureDurableDirectory(string directory)
    {
        if (Directory.Exists(directory))
            return;
        var parent = Path.GetDirectoryName(directory)!;
        var parentExisted = Directory.Exists(parent);
        Directory.CreateDirectory(directory);
        SyncDirectory(parent);
        if (!parentExisted)
            SyncDirectory(_blobs);
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
