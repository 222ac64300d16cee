using System.Text.Json;

namespace CloudBox.Objects.Storage;

public sealed class ObjectRecord
{
    public string ProjectId { get; set; } = "";
    public string Container { get; set; } = "";
    public string Name { get; set; } = "";
    public long Size { get; set; }

    /// <summary>Hex MD5 of the bytes, or for a multipart object S3's <c>md5-of-md5s-N</c>.</summary>
    public string Etag { get; set; } = "";
    public string ContentType { get; set; } = "";
    public string LastModified { get; set; } = "";

    /// <summary>
    /// Object metadata as JSON: user metadata under <c>meta-NAME</c>, and the stored standard
    /// headers (<c>content-encoding</c>, <c>content-disposition</c>, <c>cache-control</c>…).
    /// </summary>
    public string Metadata { get; set; } = "{}";

    /// <summary>The blobs holding the bytes, in order, as JSON.</summary>
    public string Parts { get; set; } = "[]";

    /// <summary>Unix seconds after which the object is gone (<c>X-Delete-At</c>).</summary>
    public long? DeleteAt { get; set; }

    /// <summary>Null for a plain object; <c>dlo:CONTAINER/PREFIX</c> or <c>slo</c> for Swift large-object manifests.</summary>
    public string? LargeObject { get; set; }

    /// <summary>The bytes of a single inline part, when the lookup brought them along (not a column).</summary>
    public byte[]? InlineData { get; set; }

    public Dictionary<string, string> MetadataMap() =>
        JsonSerializer.Deserialize(Metadata, ObjectsJsonContext.Default.DictionaryStringString) ?? [];

    public void SetMetadata(Dictionary<string, string> map) => Metadata = JsonSerializer.Serialize(map, ObjectsJsonContext.Default.DictionaryStringString);

    private string? _partsParsedFrom;
    private IReadOnlyList<ObjectPart> _partList = [];

    /// <summary>
    /// <see cref="Parts"/> parsed, once per value: a GET looks at the parts to find inline bytes
    /// and again to stream them, and a large object's list is long.
    /// </summary>
    public IReadOnlyList<ObjectPart> PartList()
    {
        var parts = Parts;
        if (!ReferenceEquals(parts, _partsParsedFrom))
        {
            _partList = JsonSerializer.Deserialize(parts, ObjectsJsonContext.Default.ListObjectPart) ?? [];
            _partsParsedFrom = parts;
        }
        return _partList;
    }

    public void SetParts(List<ObjectPart> parts)
    {
        Parts = JsonSerializer.Serialize(parts, ObjectsJsonContext.Default.ListObjectPart);
        InlineData = null;
    }

    public bool IsExpired(DateTimeOffset now) => DeleteAt is { } at && at <= now.ToUnixTimeSeconds();
}
