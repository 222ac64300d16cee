using System.Text;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>One HTTP/1.1 request read from the control socket: method, path, body, and whether to keep the connection.</summary>
public sealed record HttpRequest(string Method, string Path, byte[] Body, bool KeepAlive)
{
    private const int MaxHeaderBytes = 16 * 1024;
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>Reads the next request; null when the client closed the connection between requests.</summary>
    public static async Task<HttpRequest?> ReadAsync(Stream stream, CancellationToken cancellation)
    {
        var header = new List<byte>(512);
        var one = new byte[1];
        while (!EndsWithBlankLine(header))
        {
            if (await stream.ReadAsync(one, cancellation) == 0) return header.Count == 0 ? null : throw new InvalidDataException("truncated request");
            header.Add(one[0]);
            if (header.Count > MaxHeaderBytes) throw new InvalidDataException("request header too large");
        }
        var lines = Encoding.ASCII.GetString(header.ToArray()).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3) throw new InvalidDataException("bad request line");
        var contentLength = 0;
        var chunked = false;
        var keepAlive = requestLine[2] == "HTTP/1.1";
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && (!int.TryParse(value, out contentLength) || contentLength is < 0 or > MaxBodyBytes))
                throw new InvalidDataException("bad Content-Length");
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                keepAlive = !value.Equals("close", StringComparison.OrdinalIgnoreCase);
        }
        byte[] body;
        if (chunked)
        {
            body = await ReadChunkedAsync(stream, cancellation);
        }
        else
        {
            body = new byte[contentLength];
            await stream.ReadExactlyAsync(body, cancellation);
        }
        var path = requestLine[1];
        var query = path.IndexOf('?');
        return new HttpRequest(requestLine[0], query >= 0 ? path[..query] : path, body, keepAlive);
    }

    /// <summary>Chunked transfer coding (what HttpClient sends for JsonContent): hex size line, data, CRLF, until size 0.</summary>
    private static async Task<byte[]> ReadChunkedAsync(Stream stream, CancellationToken cancellation)
    {
        var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(stream, cancellation);
            var semicolon = sizeLine.IndexOf(';');
            if (!int.TryParse(semicolon >= 0 ? sizeLine[..semicolon] : sizeLine, System.Globalization.NumberStyles.HexNumber, null, out var size) || size < 0)
                throw new InvalidDataException("bad chunk size");
            if (size == 0)
            {
                while ((await ReadLineAsync(stream, cancellation)).Length > 0) { } // trailers
                return body.ToArray();
            }
            if (body.Length + size > MaxBodyBytes) throw new InvalidDataException("request body too large");
            var chunk = new byte[size];
            await stream.ReadExactlyAsync(chunk, cancellation);
            body.Write(chunk);
            await ReadLineAsync(stream, cancellation);
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellation)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellation) == 0) throw new InvalidDataException("truncated chunked body");
            if (one[0] == '\n') return line.ToString().TrimEnd('\r');
            if (line.Length > 1024) throw new InvalidDataException("chunk line too long");
            line.Append((char)one[0]);
        }
    }

    private static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';
}
