using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Telemetry.Api;

/// <summary>
/// A JSON answer written with a <see cref="Utf8JsonWriter"/> into a buffer rented from the shared
/// pool, then sent in one write with its length: for bodies of thousands of points, where a node
/// tree would cost several objects per point and a string copy of the whole document.
/// </summary>
internal sealed class PooledJsonResult(Action<Utf8JsonWriter> write, int statusCode = StatusCodes.Status200OK) : IResult
{
    /// <summary>As <c>JsonBody.Node</c>: plain characters (<c>+</c>, non-ASCII) stay as they are.</summary>
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using var buffer = new Buffer();
        using (var writer = new Utf8JsonWriter(buffer, Options))
            write(writer);
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = buffer.Written;
        await response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>, returned on dispose.</summary>
    private sealed class Buffer : IBufferWriter<byte>, IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(16 * 1024);

        public int Written { get; private set; }

        public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, Written);

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsMemory(Written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsSpan(Written);
        }

        private void Ensure(int sizeHint)
        {
            var needed = Written + Math.Max(sizeHint, 256);
            if (needed <= _array.Length)
                return;
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
            _array.AsSpan(0, Written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = larger;
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }
    }
}
