namespace CloudBox.Volumes.Snapshots;

public static class SnapshotStatus
{
    public const string Creating = "creating";
    public const string Available = "available";

    /// <summary>A backup is reading the snapshot's data; it cannot be deleted meanwhile.</summary>
    public const string BackingUp = "backing-up";
    public const string Deleting = "deleting";
    /// <summary>Its volume is being reverted to it (revert, 3.40).</summary>
    public const string Restoring = "restoring";
    public const string Error = "error";
    public const string ErrorDeleting = "error_deleting";
}
