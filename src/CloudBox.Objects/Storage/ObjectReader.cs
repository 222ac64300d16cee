using System.Buffers;

namespace CloudBox.Objects.Storage;

/// <summary>Streams an object's bytes, or a range of them, from its blobs in order.</summary>
public sealed class ObjectReader(BlobStore blobs, ObjectStore store)
{
    private const int BufferBytes = 1 << 20;

    /// <summary>Copies bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of the object to <paramref name="output"/>.</summary>
    /// <remarks>
    /// Reads run one buffer ahead of the network: while one buffer goes out to the client the
    /// next is read from the file, so a large GET moves at the slower of the two, not their sum.
    /// </remarks>
    public async Task CopyAsync(ObjectRecord record, long offset, long length, Stream output, CancellationToken cancellationToken)
    {
        var current = ArrayPool<byte>.Shared.Rent(BufferBytes);
        var next = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            long partStart = 0;
            foreach (var part in record.PartList())
            {
                var partEnd = partStart + part.Size;
                if (length > 0 && partEnd > offset)
                {
                    var from = Math.Max(offset - partStart, 0);
                    var take = Math.Min(part.Size - from, length);
                    await using var file = (record.InlineData is { } inline && BlobStore.IsInline(part.BlobId) ? new MemoryStream(inline, writable: false) : await OpenPartAsync(part, cancellationToken))
                        ?? throw new IOException($"Blob {part.BlobId} is missing: the object is damaged.");
                    file.Seek(from, SeekOrigin.Begin);
                    var read = await ReadChunkAsync(file, current, take, part, cancellationToken);
                    while (read > 0)
                    {
                        take -= read;
                        var send = output.WriteAsync(current.AsMemory(0, read), cancellationToken);
                        var following = 0;
                        try
                        {
                            if (take > 0)
                                following = await ReadChunkAsync(file, next, take, part, cancellationToken);
                        }
                        finally
                        {
                            await send; // the buffer is free only once written
                        }
                        length -= read;
                        offset += read;
                        (current, next) = (next, current);
                        read = following;
                    }
                }
                partStart = partEnd;
                if (length <= 0)
                    break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }

    private static async Task<int> ReadChunkAsync(Stream file, byte[] buffer, long remaining, ObjectPart part, CancellationToken cancellationToken)
    {
        var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
        if (read == 0)
            throw new IOException($"Blob {part.BlobId} is shorter than recorded: the object is damaged.");
        return read;
    }

    /// <summary>A part's bytes as a seekable stream, from its file or its database row; null when they are gone.</summary>
    public async Task<Stream?> OpenPartAsync(ObjectPart part, CancellationToken cancellationToken)
    {
        if (BlobStore.IsInline(part.BlobId))
            return await store.ReadInlineBlobAsync(part.BlobId, cancellationToken) is { } data ? new MemoryStream(data, writable: false) : null;
        // Opened, not checked first: a blob deleted between a check and the open would throw.
        try
        {
            return blobs.OpenRead(part.BlobId);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
