namespace CloudBox.Volumes.Snapshots;

public static class SnapshotStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string Deleting = "deleting";
    public const string Error = "error";
}
