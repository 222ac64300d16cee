using System.Buffers;
using System.Security.Cryptography;
using CloudBox.Linux.FileSystem;

namespace CloudBox.Images.Files;

/// <summary>
/// Image data under <c>DATA/images/</c>: <c>files/ab/&lt;id&gt;</c> for active images,
/// <c>staging/&lt;id&gt;</c> for interoperable-import uploads, <c>tmp/</c> for writes in flight.
/// Data is streamed to a temporary name with MD5 and SHA-512 computed on the way, fsynced, then
/// renamed into place and the directory fsynced; only then does the database call it active.
/// </summary>
public sealed class ImageFileStore
{
    private const int BufferBytes = 1 << 20;
    private readonly string _files;
    private readonly string _staging;
    private readonly string _temporary;

    public ImageFileStore(string dataDirectory)
    {
        var root = Path.Combine(dataDirectory, "images");
        _files = Path.Combine(root, "files");
        _staging = Path.Combine(root, "staging");
        _temporary = Path.Combine(root, "tmp");
        Directory.CreateDirectory(_files);
        Directory.CreateDirectory(_staging);
        Directory.CreateDirectory(_temporary);
    }

    /// <summary>
    /// Streams <paramref name="source"/> to a fsynced temporary file; a body longer than <paramref name="maxBytes"/> is refused.
    /// Runs of zeros in whole <see cref="HoleBytes"/> blocks are left as holes, so a sparse raw disk stays sparse.
    /// </summary>
    public async Task<ImageFileWrite> WriteTemporaryAsync(Stream source, long maxBytes, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(_temporary, Guid.NewGuid().ToString("N"));
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        long size = 0;
        try
        {
            await using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0, Options = FileOptions.Asynchronous,
            }))
            {
                int filled;
                while ((filled = await FillAsync(source, buffer.AsMemory(0, BufferBytes), cancellationToken)) > 0)
                {
                    size += filled;
                    if (size > maxBytes)
                        throw new ImageTooLargeException(maxBytes);
                    md5.AppendData(buffer, 0, filled);
                    sha512.AppendData(buffer, 0, filled);
                    await WriteSkippingZerosAsync(file, buffer.AsMemory(0, filled), cancellationToken);
                }
                file.SetLength(size); // a trailing hole
                file.Flush(flushToDisk: true);
            }
            return new ImageFileWrite(temporary, size, Convert.ToHexStringLower(md5.GetHashAndReset()), Convert.ToHexStringLower(sha512.GetHashAndReset()));
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

    /// <summary>The block size below which zeros are written rather than left as a hole (a file system block).</summary>
    public const int HoleBytes = 4096;

    /// <summary>Reads until <paramref name="buffer"/> is full or the body ends, so blocks line up with the file's offsets.</summary>
    private static async Task<int> FillAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await source.ReadAsync(buffer[filled..], cancellationToken)) > 0)
            filled += read;
        return filled;
    }

    /// <summary>Writes <paramref name="chunk"/> at the file's position, seeking over every all-zero block instead of writing it.</summary>
    private static async Task WriteSkippingZerosAsync(FileStream file, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        var start = 0;
        while (start < chunk.Length)
        {
            var zero = IsZeroBlock(chunk, start);
            var end = start;
            while (end < chunk.Length && IsZeroBlock(chunk, end) == zero)
                end = Math.Min(end + HoleBytes, chunk.Length);
            if (zero)
                file.Seek(end - start, SeekOrigin.Current);
            else
                await file.WriteAsync(chunk[start..end], cancellationToken);
            start = end;
        }
    }

    /// <summary>Whether the block at <paramref name="offset"/> is whole and all zeros (a partial last block is always written).</summary>
    private static bool IsZeroBlock(ReadOnlyMemory<byte> chunk, int offset) =>
        offset + HoleBytes <= chunk.Length && !chunk.Span.Slice(offset, HoleBytes).ContainsAnyExcept((byte)0);

    /// <summary>Renames a finished write into place as the data of image <paramref name="imageId"/>.</summary>
    public void Commit(ImageFileWrite write, string imageId) => MoveDurably(write.TemporaryPath, PathOf(imageId));

    /// <summary>Renames a finished write into the staging area of image <paramref name="imageId"/>.</summary>
    public void Stage(ImageFileWrite write, string imageId) => MoveDurably(write.TemporaryPath, StagingPathOf(imageId));

    public void Discard(ImageFileWrite write) => File.Delete(write.TemporaryPath);

    public string PathOf(string imageId) => Path.Combine(_files, ShardOf(imageId), imageId);

    public string StagingPathOf(string imageId) => Path.Combine(_staging, imageId);

    public bool Exists(string imageId) => File.Exists(PathOf(imageId));

    public FileStream OpenRead(string imageId) => new(PathOf(imageId), new FileStreamOptions
    {
        Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 0,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
    });

    public FileStream OpenStaged(string imageId) => new(StagingPathOf(imageId), new FileStreamOptions
    {
        Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 0,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
    });

    public void Delete(string imageId) => DeleteIfPresent(PathOf(imageId));

    public void DeleteStaged(string imageId) => DeleteIfPresent(StagingPathOf(imageId));

    /// <summary>The ids of every image data file in place.</summary>
    public IEnumerable<string> ListDataFileIds() =>
        Directory.EnumerateFiles(_files, "*", SearchOption.AllDirectories).Select(Path.GetFileName).OfType<string>().ToList();

    /// <summary>Removes writes a crash interrupted; none of them was ever recorded.</summary>
    public void RemoveTemporaryFiles()
    {
        foreach (var file in Directory.EnumerateFiles(_temporary))
            File.Delete(file);
    }

    private static void DeleteIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Its shard directory never existed: nothing to delete.
        }
    }

    private static void MoveDurably(string from, string to)
    {
        var directory = Path.GetDirectoryName(to)!;
        Directory.CreateDirectory(directory);
        File.Move(from, to, overwrite: true);
        DirectorySync.Sync(directory);
    }

    private static string ShardOf(string imageId)
    {
        // Ids come from the database, but a hostile id must still never name a path outside the store.
        if (imageId.Length < 2 || imageId.Contains('/') || imageId.Contains('\0') || imageId.StartsWith('.'))
            throw new ArgumentException($"'{imageId}' is not an image id.", nameof(imageId));
        return imageId[..2];
    }
}
