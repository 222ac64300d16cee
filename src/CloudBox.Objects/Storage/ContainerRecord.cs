using System.Text.Json;

namespace CloudBox.Objects.Storage;

public sealed class ContainerRecord
{
    public string ProjectId { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>User metadata (<c>X-Container-Meta-*</c>), lower-cased names without the prefix, as JSON.</summary>
    public string Metadata { get; set; } = "{}";
    public string ReadAcl { get; set; } = "";
    public string WriteAcl { get; set; } = "";
    public string? VersionsLocation { get; set; }
    public long ObjectCount { get; set; }
    public long BytesUsed { get; set; }
    public string CreatedAt { get; set; } = "";

    public Dictionary<string, string> MetadataMap() =>
        JsonSerializer.Deserialize(Metadata, ObjectsJsonContext.Default.DictionaryStringString) ?? [];

    public void SetMetadata(Dictionary<string, string> map) => Metadata = JsonSerializer.Serialize(map, ObjectsJsonContext.Default.DictionaryStringString);
}
