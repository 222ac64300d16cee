using System.Text.Json;
using System.Text.Json.Serialization;
using CloudBox.Databases.Api;

namespace CloudBox.Databases.Backups;

internal sealed record BackupCreateBody(BackupCreate? Backup);

/// <summary>troveclient's create body: <c>incremental</c> comes as 0 or 1, <c>restore_from</c> only when importing a backup from elsewhere.</summary>
internal sealed record BackupCreate(
    string? Name,
    string? Instance,
    string? Description,
    [property: JsonPropertyName("parent_id")] string? ParentId,
    JsonElement? Incremental,
    [property: JsonPropertyName("swift_container")] string? SwiftContainer,
    [property: JsonPropertyName("restore_from")] JsonElement? RestoreFrom);

internal sealed record BackupDatastore(string Type, string Version, [property: JsonPropertyName("version_id")] string VersionId);

/// <summary>Trove's backup view; <c>size</c> is in GB as Trove shows it, <c>checksum</c> the SHA-256 of the stored bytes.</summary>
internal sealed record BackupDocument(
    string Id,
    string Name,
    string? Description,
    [property: JsonPropertyName("locationRef")] string LocationRef,
    [property: JsonPropertyName("instance_id")] string InstanceId,
    string Created,
    string Updated,
    double? Size,
    string Status,
    [property: JsonPropertyName("parent_id")] string? ParentId,
    BackupDatastore Datastore,
    [property: JsonPropertyName("project_id")] string ProjectId,
    string? Checksum,
    [property: JsonPropertyName("storage_driver")] string StorageDriver,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Fault);

internal sealed record BackupBody(BackupDocument Backup);

internal sealed record BackupsBody(IReadOnlyList<BackupDocument> Backups, IReadOnlyList<Link> Links);
