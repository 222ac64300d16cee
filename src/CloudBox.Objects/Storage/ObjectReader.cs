using System.Buffers;

namespace CloudBox.Objects.Storage;

/// <summary>Streams an object's bytes, or a range of them, from its blobs in order.</summary>
public sealed class ObjectReader(BlobStore blobs, ObjectStore store)
{
    private const int BufferBytes = 1 << 20;

    /// <summary>Copies bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of the object to <paramref name="output"/>.</summary>
    public async Task CopyAsync(ObjectRecord record, long offset, long length, Stream output, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
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
                    while (take > 0)
                    {
                        var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, take)), cancellationToken);
                        if (read == 0)
                            throw new IOException($"Blob {part.BlobId} is shorter than recorded: the object is damaged.");
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                        take -= read;
                        length -= read;
                        offset += read;
                    }
                }
                partStart = partEnd;
                if (length <= 0)
                    break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A part's bytes as a seekable stream, from its file or its database row; null when they are gone.</summary>
    public async Task<Stream?> OpenPartAsync(ObjectPart part, CancellationToken cancellationToken)
    {
        if (BlobStore.IsInline(part.BlobId))
            return await store.ReadInlineBlobAsync(part.BlobId, cancellationToken) is { } data ? new MemoryStream(data, writable: false) : null;
        return blobs.Exists(part.BlobId) ? blobs.OpenRead(part.BlobId) : null;
    }
}
