using System.Security.Cryptography;

namespace CloudBox.Databases.Guest;

/// <summary>
/// A read-only view of a stream that counts and hashes (SHA-256) what passes through it, optionally
/// ending after <c>limit</c> bytes (one segment of a backup) and starting with bytes already read ahead.
/// </summary>
internal sealed class HashingStream(Stream source, IncrementalHash hash, long limit = long.MaxValue, ReadOnlyMemory<byte> readAhead = default) : Stream
{
    private ReadOnlyMemory<byte> _readAhead = readAhead;

    public long Count { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var room = (int)Math.Min(buffer.Length, limit - Count);
        if (room <= 0)
            return 0;
        int read;
        if (!_readAhead.IsEmpty)
        {
            read = Math.Min(room, _readAhead.Length);
            _readAhead[..read].CopyTo(buffer);
            _readAhead = _readAhead[read..];
        }
        else
        {
            read = await source.ReadAsync(buffer[..room], cancellationToken);
        }
        hash.AppendData(buffer.Span[..read]);
        Count += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var room = (int)Math.Min(count, limit - Count);
        if (room <= 0)
            return 0;
        int read;
        if (!_readAhead.IsEmpty)
        {
            read = Math.Min(room, _readAhead.Length);
            _readAhead[..read].CopyTo(buffer.AsMemory(offset));
            _readAhead = _readAhead[read..];
        }
        else
        {
            read = source.Read(buffer, offset, room);
        }
        hash.AppendData(buffer, offset, read);
        Count += read;
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
