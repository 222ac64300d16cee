using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudBox.Core.Api.Local;

/// <summary>
/// The response side of an in-process request: status, headers and a buffered body, with the
/// <c>OnStarting</c> callbacks run before the first byte (or at the end for an empty body) and the
/// <c>OnCompleted</c> ones after, as Kestrel runs them.
/// </summary>
internal sealed class LocalResponseFeature : IHttpResponseFeature, IHttpResponseBodyFeature
{
    private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
    private readonly List<(Func<object, Task> Callback, object State)> _onCompleted = [];
    private readonly MemoryStream _body = new();
    private PipeWriter? _writer;

    public int StatusCode { get; set; } = StatusCodes.Status200OK;
    public string? ReasonPhrase { get; set; }
    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();
    public bool HasStarted { get; private set; }

    Stream IHttpResponseFeature.Body
    {
        get => Stream;
        set => throw new NotSupportedException("An in-process response body cannot be replaced.");
    }

    public Stream Stream => new StartingStream(this);

    public PipeWriter Writer => _writer ??= PipeWriter.Create(Stream, new StreamPipeWriterOptions(leaveOpen: true));

    public MemoryStream Body => _body;

    public void OnStarting(Func<object, Task> callback, object state) => _onStarting.Insert(0, (callback, state));

    public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Insert(0, (callback, state));

    public void DisableBuffering()
    {
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (HasStarted)
            return;
        HasStarted = true;
        foreach (var (callback, state) in _onStarting)
            await callback(state);
    }

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        await using var file = File.OpenRead(path);
        file.Seek(offset, SeekOrigin.Begin);
        if (count is { } length)
        {
            var buffer = new byte[81920];
            var left = length;
            while (left > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
                if (read == 0)
                    break;
                await _body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                left -= read;
            }
        }
        else
        {
            await file.CopyToAsync(_body, cancellationToken);
        }
    }

    public async Task CompleteAsync()
    {
        await StartAsync();
        if (_writer is not null)
            await _writer.FlushAsync();
    }

    public async Task FireCompletedAsync()
    {
        foreach (var (callback, state) in _onCompleted)
            await callback(state);
    }

    /// <summary>Writes into the buffered body, starting the response on the first write.</summary>
    private sealed class StartingStream(LocalResponseFeature response) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => response._body.Length;
        public override long Position { get => response._body.Length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => response.StartAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            throw new InvalidOperationException("Synchronous writes are not allowed; write asynchronously.");

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await response.StartAsync(cancellationToken);
            await response._body.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
