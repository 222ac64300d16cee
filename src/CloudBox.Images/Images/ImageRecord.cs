namespace CloudBox.Images.Images;

/// <summary>One image as stored: Glance's core attributes plus free-form string properties.</summary>
public sealed class ImageRecord
{
    public required string Id { get; init; }
    public string? Name { get; set; }
    public required string Status { get; set; }
    public required string Visibility { get; set; }
    public bool Protected { get; set; }
    public bool OsHidden { get; set; }
    public string? Owner { get; set; }
    public string? DiskFormat { get; set; }
    public string? ContainerFormat { get; set; }
    public long? Size { get; set; }
    public long? VirtualSize { get; set; }
    public string? Checksum { get; set; }
    public string? OsHashAlgo { get; set; }
    public string? OsHashValue { get; set; }
    public int MinDisk { get; set; }
    public int MinRam { get; set; }
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);
    public List<string> Tags { get; set; } = [];
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; set; }

    public ImageRecord Clone() => new()
    {
        Id = Id, Name = Name, Status = Status, Visibility = Visibility, Protected = Protected, OsHidden = OsHidden,
        Owner = Owner, DiskFormat = DiskFormat, ContainerFormat = ContainerFormat, Size = Size, VirtualSize = VirtualSize,
        Checksum = Checksum, OsHashAlgo = OsHashAlgo, OsHashValue = OsHashValue, MinDisk = MinDisk, MinRam = MinRam,
        Properties = new Dictionary<string, string>(Properties, StringComparer.Ordinal), Tags = [.. Tags],
        CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
    };
}
