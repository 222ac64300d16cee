namespace CloudBox.Databases.Backups;

/// <summary>A row of <c>databases_backups</c>: a backup of an instance in its owner's object store, and how far it got.</summary>
internal sealed class BackupRecord
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string InstanceId { get; set; } = "";
    public string VersionId { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string Status { get; set; } = BackupStatus.New;
    /// <summary>Bytes stored (compressed), once COMPLETED.</summary>
    public long? Size { get; set; }
    /// <summary>SHA-256 (hex) of the stored bytes, once COMPLETED; verified by every restore.</summary>
    public string? Checksum { get; set; }
    public string LocationRef { get; set; } = "";
    /// <summary>The agent task that takes the backup.</summary>
    public string? TaskId { get; set; }
    public string? Fault { get; set; }
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
}

/// <summary>Trove's backup statuses.</summary>
internal static class BackupStatus
{
    public const string New = "NEW";
    public const string Building = "BUILDING";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
    public const string DeleteFailed = "DELETE_FAILED";
}

/// <summary>Where backups go in the owner's object-store account, as Trove puts them.</summary>
internal static class BackupObjects
{
    public const string Container = "database_backups";

    public static string Manifest(string backupId) => backupId + ".tar.gz";

    public static string SegmentPrefix(string backupId) => backupId + "/";

    /// <summary>Where the backup's objects are, for the agent; the token is added when the task is handed out.</summary>
    public static Agent.BackupLocation Location(BackupRecord backup, long segmentBytes) => new(
        backup.Id, Cloud.UserCloud.SwiftAccountPath(backup.ProjectId), Container, Manifest(backup.Id), SegmentPrefix(backup.Id), segmentBytes, backup.Checksum);
}
