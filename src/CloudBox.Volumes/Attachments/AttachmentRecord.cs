using CloudBox.Core.Volumes;

namespace CloudBox.Volumes.Attachments;

/// <summary>One row of <c>volumes_attachments</c>.</summary>
public sealed class AttachmentRecord
{
    public string Id { get; set; } = "";
    public string VolumeId { get; set; } = "";
    public string? ServerId { get; set; }
    public string? Host { get; set; }
    public string? Device { get; set; }
    public string Status { get; set; } = "";
    public string AttachMode { get; set; } = "rw";
    public string Owner { get; set; } = AttachmentStatus.OwnerApi;
    public bool DeleteOnTermination { get; set; }
    public int? BootIndex { get; set; }

    /// <summary>The connector a v3 client sent (JSON), null until it sent one.</summary>
    public string? Connector { get; set; }

    public string CreatedAt { get; set; } = "";
    public string? AttachedAt { get; set; }
    public string UpdatedAt { get; set; } = "";

    public VolumeAttachment ToSeam() =>
        new(Id, VolumeId, ServerId ?? "", Device, Status, AttachMode, DeleteOnTermination, BootIndex, AttachedAt);
}
