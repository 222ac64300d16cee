namespace CloudBox.Volumes.Backups;

/// <summary>One backup of a volume: full, or incremental on top of <see cref="ParentId"/>.</summary>
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

    /// <summary>Where the chunks are: <c>swift</c> (the owner's object-store account), <c>file</c>, or <c>raw</c> (one file, before chunked backups).</summary>
    public string Backend { get; set; } = BackupDriver.RawBackend;

    public string? Container { get; set; }

    /// <summary>The name every object of this backup starts with (Cinder's service_metadata).</summary>
    public string? ObjectPrefix { get; set; }

    /// <summary>Chunk objects this backup stored itself (unchanged and all-zero chunks are not stored).</summary>
    public int ObjectCount { get; set; }

    /// <summary>The backup an incremental backup builds on; null for a full backup.</summary>
    public string? ParentId { get; set; }

    public bool IsIncremental => ParentId is not null;

    /// <summary>The snapshot whose data this backup holds; null when it backed up the volume itself.</summary>
    public string? SnapshotId { get; set; }

    /// <summary>When the backed-up data is from: the snapshot's creation time; null means <see cref="CreatedAt"/>.</summary>
    public string? DataTimestamp { get; set; }

    public string DataTime => DataTimestamp ?? CreatedAt;
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
