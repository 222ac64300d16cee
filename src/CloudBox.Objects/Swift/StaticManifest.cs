using System.Text.Json;

namespace CloudBox.Objects.Swift;

/// <summary>
/// Static Large Object manifests: the list a client PUTs with <c>multipart-manifest=put</c>
/// (path, etag, size_bytes, range) and the form stored and answered to <c>multipart-manifest=get</c>
/// (name, hash, bytes, range, content_type, last_modified).
/// </summary>
internal static class StaticManifest
{
    public const int MaxSegments = 1000;
    public const int MaxManifestBytes = 8 * 1024 * 1024;

    public sealed record PutSegment(string Path, string? Etag, long? SizeBytes, string? Range);

    public static List<PutSegment> ParsePut(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw SwiftFaults.BadRequest("Manifest must be valid JSON.");
            var segments = new List<PutSegment>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
                    throw SwiftFaults.BadRequest("Index 0: Each segment must have a \"path\"");
                var etag = item.TryGetProperty("etag", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                long? size = item.TryGetProperty("size_bytes", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : null;
                var range = item.TryGetProperty("range", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                segments.Add(new PutSegment(path.GetString()!, etag, size, range));
            }
            return segments;
        }
        catch (JsonException)
        {
            throw SwiftFaults.BadRequest("Manifest must be valid JSON.");
        }
    }

    public static List<StaticSegment> Parse(byte[] stored)
    {
        using var document = JsonDocument.Parse(stored);
        var segments = new List<StaticSegment>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            segments.Add(new StaticSegment(
                item.GetProperty("name").GetString()!,
                item.GetProperty("hash").GetString()!,
                item.GetProperty("bytes").GetInt64(),
                item.TryGetProperty("range", out var r) ? r.GetString() : null,
                item.TryGetProperty("content_type", out var c) ? c.GetString() ?? "" : "",
                item.TryGetProperty("last_modified", out var l) ? l.GetString() ?? "" : ""));
        }
        return segments;
    }

    /// <summary>The stored form; with <paramref name="raw"/>, the form a client can PUT back (<c>format=raw</c>).</summary>
    public static byte[] Serialize(IReadOnlyList<StaticSegment> segments, bool raw = false)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var segment in segments)
            {
                json.WriteStartObject();
                if (raw)
                {
                    json.WriteString("path", segment.Name);
                    json.WriteString("etag", segment.Hash);
                    json.WriteNumber("size_bytes", segment.Bytes);
                }
                else
                {
                    json.WriteString("name", segment.Name);
                    json.WriteString("hash", segment.Hash);
                    json.WriteNumber("bytes", segment.Bytes);
                    json.WriteString("content_type", segment.ContentType);
                    json.WriteString("last_modified", segment.LastModified);
                }
                if (segment.Range is not null)
                    json.WriteString("range", segment.Range);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return buffer.ToArray();
    }
}
