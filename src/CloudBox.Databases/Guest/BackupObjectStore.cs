using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudBox.Databases.Agent;

namespace CloudBox.Databases.Guest;

/// <summary>
/// The agent's side of a backup's storage: the owner's Swift account on CloudBox, reached with the
/// delegated token the task carries. A backup is a Static Large Object: segments of at most
/// <see cref="BackupLocation.SegmentBytes"/> under <c>{id}/</c>, streamed one after another (memory
/// stays bounded whatever the database's size), and a manifest <c>{id}.tar.gz</c> naming them (the name Trove's
/// backups had; the manifest's <c>X-Object-Meta-Compression</c> says what the bytes are, zstd since it
/// replaced gzip, and a restore goes by the bytes' magic).
/// </summary>
internal sealed class BackupObjectStore(HttpClient http, BackupLocation location)
{
    private const int ReadAheadBytes = 1 << 20;

    private string ContainerPath => $"{location.AccountPath}/{location.Container}";

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Auth-Token", location.Token ?? throw new InvalidOperationException("The backup task carries no token for the object store."));
        return request;
    }

    private static async Task CheckAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"The object store refused to {what} ({(int)response.StatusCode}): {(text.Length > 300 ? text[..300] : text)}");
        }
    }

    /// <summary>Creates the container (if needed) and removes what an earlier, interrupted try of this backup left.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        using (var put = Request(HttpMethod.Put, ContainerPath))
        using (var response = await http.SendAsync(put, cancellationToken))
            await CheckAsync(response, $"create container {location.Container}", cancellationToken);
        using var list = Request(HttpMethod.Get, $"{ContainerPath}?format=json&prefix={Uri.EscapeDataString(location.Id)}");
        using var listed = await http.SendAsync(list, cancellationToken);
        await CheckAsync(listed, "list earlier segments", cancellationToken);
        var text = await listed.Content.ReadAsStringAsync(cancellationToken);
        if (text.Length == 0)
            return;
        using var document = JsonDocument.Parse(text);
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            var name = entry.GetProperty("name").GetString()!;
            using var delete = Request(HttpMethod.Delete, $"{ContainerPath}/{Escape(name)}");
            using var deleted = await http.SendAsync(delete, cancellationToken);
            if (deleted.StatusCode != HttpStatusCode.NotFound)
                await CheckAsync(deleted, $"delete {name}", cancellationToken);
        }
    }

    /// <summary>Stores <paramref name="source"/> as segments and a manifest; returns the bytes stored and their SHA-256.</summary>
    public async Task<(long Size, string Checksum)> UploadAsync(Stream source, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Never read ahead more than a segment holds: what is read ahead goes into the segment being started.
        var readAhead = new byte[(int)Math.Clamp(location.SegmentBytes, 1, ReadAheadBytes)];
        var segments = new List<(string Path, long Size)>();
        long total = 0;
        while (true)
        {
            // Read ahead so that no empty segment is stored at the end.
            var first = await source.ReadAtLeastAsync(readAhead, 1, throwOnEndOfStream: false, cancellationToken);
            if (first == 0)
                break;
            if (segments.Count >= 1000)
                throw new InvalidOperationException("The backup needs more than 1000 segments; raise the segment size.");
            var name = $"{location.SegmentPrefix}{segments.Count + 1:D5}";
            var segment = new HashingStream(source, hash, location.SegmentBytes, readAhead.AsMemory(0, first));
            using var put = Request(HttpMethod.Put, $"{ContainerPath}/{Escape(name)}");
            put.Content = new StreamContent(segment, 1 << 20);
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            put.Headers.TransferEncodingChunked = true;
            using (var response = await http.SendAsync(put, cancellationToken))
                await CheckAsync(response, $"store segment {name}", cancellationToken);
            segments.Add(($"/{location.Container}/{name}", segment.Count));
            total += segment.Count;
        }
        if (segments.Count == 0)
            throw new InvalidOperationException("The backup is empty.");
        var manifest = new StringBuilder("[");
        foreach (var (path, size) in segments)
        {
            if (manifest.Length > 1)
                manifest.Append(',');
            manifest.Append("{\"path\":\"").Append(JsonEncodedText.Encode(path)).Append("\",\"size_bytes\":").Append(size).Append('}');
        }
        manifest.Append(']');
        using var putManifest = Request(HttpMethod.Put, $"{ContainerPath}/{Escape(location.Manifest)}?multipart-manifest=put");
        putManifest.Content = new StringContent(manifest.ToString(), Encoding.UTF8, "application/json");
        putManifest.Headers.Add(BackupStreams.CompressionHeader, BackupStreams.Compression);
        using (var response = await http.SendAsync(putManifest, cancellationToken))
            await CheckAsync(response, "store the backup's manifest", cancellationToken);
        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The backup's bytes, segment after segment, as the object store serves its manifest.</summary>
    public async Task<HttpResponseMessage> OpenAsync(CancellationToken cancellationToken)
    {
        using var get = Request(HttpMethod.Get, $"{ContainerPath}/{Escape(location.Manifest)}");
        var response = await http.SendAsync(get, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
                await CheckAsync(response, $"read backup {location.Id}", cancellationToken);
        }
        return response;
    }

    private static string Escape(string name) => Uri.EscapeDataString(name).Replace("%2F", "/", StringComparison.Ordinal);
}
