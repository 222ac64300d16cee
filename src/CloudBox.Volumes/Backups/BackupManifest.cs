using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudBox.Volumes.Backups;

/// <summary>
/// A backup's metadata object (<c>PREFIX_metadata</c>, as Cinder's Swift driver names it): the
/// volume cut into fixed-size chunks, each with its SHA-256 and the object that holds its bytes —
/// this backup's own or, for a chunk an incremental backup found unchanged, its parent's. A chunk
/// with no object is all zeros and was never stored. Written last, so a backup without one never
/// finished.
/// </summary>
public sealed class BackupManifest
{
    [JsonPropertyName("version")] public int Version { get; set; } = 1;
    [JsonPropertyName("backup_id")] public string BackupId { get; set; } = "";
    [JsonPropertyName("volume_id")] public string VolumeId { get; set; } = "";
    [JsonPropertyName("parent_id")] public string? ParentId { get; set; }
    [JsonPropertyName("chunk_bytes")] public long ChunkBytes { get; set; }
    [JsonPropertyName("size_bytes")] public long SizeBytes { get; set; }
    [JsonPropertyName("chunks")] public List<BackupChunk> Chunks { get; set; } = [];

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, BackupManifestJson.Default.BackupManifest);

    public static BackupManifest Parse(byte[] utf8) =>
        JsonSerializer.Deserialize(utf8, BackupManifestJson.Default.BackupManifest) ?? throw new InvalidDataException("The backup metadata object is empty.");
}

/// <summary>One chunk of a backup: its hash and where its bytes are (no object and no hash: all zeros).</summary>
public sealed class BackupChunk
{
    [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
    [JsonPropertyName("container")] public string? Container { get; set; }
    [JsonPropertyName("object")] public string? Object { get; set; }
}

[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class BackupManifestJson : JsonSerializerContext;
