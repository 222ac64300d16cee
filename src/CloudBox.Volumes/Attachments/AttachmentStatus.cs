namespace CloudBox.Volumes.Attachments;

/// <summary>Cinder's attach statuses of one attachment, and who drives it.</summary>
public static class AttachmentStatus
{
    public const string Reserved = "reserved";
    public const string Attaching = "attaching";
    public const string Attached = "attached";
    public const string Detaching = "detaching";

    /// <summary>Compute drives the attachment in this process (Nova's os-volume_attachments, boot from volume).</summary>
    public const string OwnerCompute = "compute";

    /// <summary>A client of the v3 API drives it (attachments API, os-reserve/os-attach actions).</summary>
    public const string OwnerApi = "api";
}
