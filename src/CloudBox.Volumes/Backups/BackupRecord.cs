namespace CloudBox.Volumes.Backups;

/// <summary>One full backup of a volume.</summary>
public sealed class BackupRecord
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string VolumeId { get; set; } = "";
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string Status { get; set; } = "";
    public int SizeGb { get; set; }

    /// <summary>While <c>restoring</c>: the volume being written.</summary>
    public string? RestoreVolumeId { get; set; }

    public string? FailReason { get; set; }
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
}

/// <summary>Cinder's backup statuses.</summary>
public static class BackupStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string Restoring = "restoring";
    public const string Deleting = "deleting";
    public const string Error = "error";
}
