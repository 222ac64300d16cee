namespace CloudBox.Volumes.Volumes;

/// <summary>Cinder's volume statuses.</summary>
public static class VolumeStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string InUse = "in-use";
    public const string Reserved = "reserved";
    public const string Attaching = "attaching";
    public const string Detaching = "detaching";
    public const string BackingUp = "backing-up";
    public const string RestoringBackup = "restoring-backup";
    public const string Extending = "extending";

    /// <summary>Its data is being copied into a new image (os-volume_upload_image); it returns to available or in-use.</summary>
    public const string Uploading = "uploading";

    /// <summary>Its data is being replaced by its latest snapshot's (revert, 3.40).</summary>
    public const string Reverting = "reverting";

    /// <summary>Offered to another project (os-volume-transfer); nothing else may happen to it meanwhile.</summary>
    public const string AwaitingTransfer = "awaiting-transfer";
    public const string Deleting = "deleting";
    public const string Error = "error";
    public const string ErrorDeleting = "error_deleting";
    public const string ErrorExtending = "error_extending";
}
