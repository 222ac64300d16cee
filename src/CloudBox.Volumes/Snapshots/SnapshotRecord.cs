namespace CloudBox.Volumes.Snapshots;

/// <summary>A point-in-time copy of a volume.</summary>
public sealed class SnapshotRecord
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required string UserId { get; init; }
    public required string VolumeId { get; init; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public required string Status { get; set; }
    public int SizeGb { get; init; }
    public string Metadata { get; set; } = "{}";
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; set; }
}
