namespace CloudBox.Images.Images;

/// <summary>Glance's image statuses.</summary>
public static class ImageStatus
{
    public const string Queued = "queued";
    public const string Saving = "saving";
    public const string Uploading = "uploading";
    public const string Importing = "importing";
    public const string Active = "active";
    public const string Deactivated = "deactivated";
    public const string Killed = "killed";
}
