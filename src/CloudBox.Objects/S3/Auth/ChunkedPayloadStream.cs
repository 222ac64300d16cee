using CloudBox.Core.Api.Aws;
using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Objects.S3.Auth;

/// <summary>
/// Decodes an aws-chunked body while reading it. Signed (<c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>,
/// <c>hex-size;chunk-signature=…\r\n data \r\n</c> … final zero-size chunk): each chunk's signature,
/// chained from the request's seed signature, is checked as the chunk ends; a bad or missing one
/// throws before the stream reports its end, so the storage layer never commits the body.
/// Unsigned (<c>STREAMING-UNSIGNED-PAYLOAD-TRAILER</c>, <paramref name="signingKey"/> null): plain
/// <c>hex-size\r\n data \r\n</c> chunks. Either may end with trailer lines (<c>x-amz-checksum-crc32:…</c>),
/// collected in <see cref="Trailers"/> for the caller to check against the data.
/// </summary>
internal sealed class ChunkedPayloadStream(Stream inner, byte[]? signingKey, string amzDate, string scope, string seedSignature) : Stream
{
    private const int MaxHeaderLine = 4096;
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private readonly IncrementalHash _chunkHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _start;
    private int _end;
    private long _remaining;
    private bool _inChunk;
    private bool _finished;
    private string _previousSignature = seedSignature;
    private string _expectedSignature = "";

    /// <summary>Trailer lines after the last chunk, by lower-case name (the trailer's own signature is not checked: the chunks' signatures already cover the data).</summary>
    public Dictionary<string, string> Trailers { get; } = new(StringComparer.Ordinal);

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_finished || destination.Length == 0)
            return 0;
        if (!_inChunk)
        {
            await BeginChunkAsync(cancellationToken);
            if (_finished)
                return 0;
        }
        if (_start == _end && !await FillAsync(cancellationToken))
            throw Truncated();
        var take = (int)Math.Min(Math.Min(destination.Length, _end - _start), _remaining);
        _buffer.AsSpan(_start, take).CopyTo(destination.Span);
        _chunkHash.AppendData(_buffer, _start, take);
        _start += take;
        _remaining -= take;
        if (_remaining == 0)
        {
            await ExpectCrLfAsync(cancellationToken);
            VerifyChunk();
            _inChunk = false;
        }
        return take;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    private async Task BeginChunkAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        var semicolon = line.IndexOf(';');
        const string marker = "chunk-signature=";
        var sizeText = semicolon < 0 ? line : line[..semicolon];
        if (!long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            throw new S3Error(400, "IncompleteBody", "The chunk header is malformed.");
        if (signingKey is not null)
        {
            if (semicolon <= 0 || !line.AsSpan(semicolon + 1).StartsWith(marker, StringComparison.Ordinal))
                throw S3Error.SignatureDoesNotMatch();
            _expectedSignature = line[(semicolon + 1 + marker.Length)..].Trim();
        }
        _remaining = size;
        if (size == 0)
        {
            VerifyChunk();
            // The last chunk is followed by optional trailer lines and an empty line.
            string trailer;
            while ((trailer = await ReadLineAsync(cancellationToken)).Length > 0)
            {
                var colon = trailer.IndexOf(':');
                if (colon > 0)
                    Trailers[trailer[..colon].Trim().ToLowerInvariant()] = trailer[(colon + 1)..].Trim();
            }
            _finished = true;
            return;
        }
        _inChunk = true;
    }

    private void VerifyChunk()
    {
        if (signingKey is null)
            return;
        var digest = Convert.ToHexStringLower(_chunkHash.GetHashAndReset());
        var expected = SigV4Signer.Signature(signingKey, SigV4Signer.ChunkStringToSign(amzDate, scope, _previousSignature, digest));
        if (!SigV4Signer.SameSignature(expected, _expectedSignature))
            throw S3Error.SignatureDoesNotMatch();
        _previousSignature = expected;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
                throw Truncated();
            var c = (char)_buffer[_start++];
            if (c == '\n')
                return line.ToString().TrimEnd('\r');
            if (line.Length >= MaxHeaderLine)
                throw new S3Error(400, "IncompleteBody", "A chunk header line is too long.");
            line.Append(c);
        }
    }

    private async Task ExpectCrLfAsync(CancellationToken cancellationToken)
    {
        if ((await ReadLineAsync(cancellationToken)).Length != 0)
            throw new S3Error(400, "IncompleteBody", "A chunk is longer than its announced size.");
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await inner.ReadAsync(_buffer, cancellationToken);
        return _end > 0;
    }

    private static S3Error Truncated() => new(400, "IncompleteBody", "The request body ended inside a chunk.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chunkHash.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
