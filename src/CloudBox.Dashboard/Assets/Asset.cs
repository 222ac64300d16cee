using System.IO.Compression;

namespace CloudBox.Dashboard.Assets;

/// <summary>One embedded file, with its Brotli and gzip forms made once, on first request.</summary>
internal sealed class Asset
{
    private readonly Lazy<byte[]> _brotli;
    private readonly Lazy<byte[]> _gzip;

    public Asset(string path, byte[] content, string contentType, string etag)
    {
        Path = path;
        Content = content;
        ContentType = contentType;
        ETag = etag;
        var compressible = contentType.StartsWith("text/", StringComparison.Ordinal) || contentType.Contains("javascript", StringComparison.Ordinal) || contentType.Contains("svg", StringComparison.Ordinal) || contentType.Contains("json", StringComparison.Ordinal);
        _brotli = new Lazy<byte[]>(() => compressible ? Compress(content, s => new BrotliStream(s, CompressionLevel.SmallestSize)) : content);
        _gzip = new Lazy<byte[]>(() => compressible ? Compress(content, s => new GZipStream(s, CompressionLevel.SmallestSize)) : content);
        Compressible = compressible;
    }

    public string Path { get; }
    public byte[] Content { get; }
    public string ContentType { get; }
    public string ETag { get; }
    public bool Compressible { get; }
    public byte[] Brotli => _brotli.Value;
    public byte[] Gzip => _gzip.Value;

    private static byte[] Compress(byte[] content, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream();
        using (var compressor = wrap(output))
            compressor.Write(content);
        return output.ToArray();
    }

    public static string ContentTypeFor(string path) => System.IO.Path.GetExtension(path) switch
    {
        ".js" or ".mjs" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".html" => "text/html; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".json" => "application/json",
        ".woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
}
