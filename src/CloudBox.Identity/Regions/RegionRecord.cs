namespace CloudBox.Identity.Regions;

public sealed class RegionRecord
{
    public string Id { get; set; } = "";
    public string Description { get; set; } = "";
    public string? ParentRegionId { get; set; }
    public string CreatedAt { get; set; } = "";
}
