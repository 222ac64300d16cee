namespace CloudBox.Volumes.Types;

/// <summary>A volume type: a name and extra specs (JSON) that describe a class of storage.</summary>
public sealed class VolumeTypeRecord
{
    public const string DefaultName = "__DEFAULT__";

    public required string Id { get; init; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public bool IsPublic { get; set; } = true;
    public string ExtraSpecs { get; set; } = "{}";
    public required string CreatedAt { get; init; }
}
