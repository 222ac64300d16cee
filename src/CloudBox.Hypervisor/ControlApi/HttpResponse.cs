using System.Text;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>A status and an optional JSON body, written as one HTTP/1.1 response.</summary>
public sealed record HttpResponse(int Status, byte[]? Json = null)
{
    public static HttpResponse NoContent { get; } = new(204);

    public static HttpResponse Error(int status, string message) =>
        new(status, Encoding.UTF8.GetBytes($"{{\"error\":{System.Text.Json.JsonSerializer.Serialize(message, ControlJsonContext.Default.String)}}}"));

    public async Task WriteAsync(Stream stream, bool keepAlive, CancellationToken cancellation)
    {
        var reason = Status switch
        {
            200 => "OK", 204 => "No Content", 400 => "Bad Request", 404 => "Not Found", 405 => "Method Not Allowed", 409 => "Conflict",
            500 => "Internal Server Error", 507 => "Insufficient Storage",
            _ => "Error",
        };
        var head = new StringBuilder($"HTTP/1.1 {Status} {reason}\r\n");
        if (Json != null) head.Append("Content-Type: application/json\r\n");
        head.Append($"Content-Length: {Json?.Length ?? 0}\r\n");
        if (!keepAlive) head.Append("Connection: close\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellation);
        if (Json != null) await stream.WriteAsync(Json, cancellation);
        await stream.FlushAsync(cancellation);
    }
}
