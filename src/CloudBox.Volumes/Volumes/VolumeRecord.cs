namespace CloudBox.Volumes.Volumes;

/// <summary>One volume as stored. Maps hold JSON text; <see cref="Data.VolumesJson"/> reads and writes them.</summary>
public sealed class VolumeRecord
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required string UserId { get; init; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public required string Status { get; set; }

    /// <summary>The size the file has now, in GiB.</summary>
    public int SizeGb { get; set; }

    /// <summary>The size asked for (create or extend); differs from <see cref="SizeGb"/> while the worker is on it.</summary>
    public int RequestedSizeGb { get; set; }

    public required string TypeId { get; set; }
    public bool Bootable { get; set; }
    public bool Readonly { get; set; }

    /// <summary>May be attached to several servers at once (its type says <c>multiattach="&lt;is&gt; True"</c>).</summary>
    public bool Multiattach { get; set; }
    public string? SnapshotId { get; init; }
    public string? SourceVolid { get; init; }
    public string? ImageId { get; init; }
    public string ImageMetadata { get; set; } = "{}";
    public string Metadata { get; set; } = "{}";
    public string? Fault { get; set; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; set; }
}
