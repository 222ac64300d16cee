namespace CloudBox.Compute.Flavors;

/// <summary>One flavor as stored: its size and free-form extra specs (JSON object text).</summary>
public sealed class FlavorRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public int Vcpus { get; set; }
    public int Ram { get; set; }
    public int Disk { get; set; }
    public int Ephemeral { get; set; }
    public int Swap { get; set; }
    public double RxtxFactor { get; set; } = 1.0;
    public bool IsPublic { get; set; } = true;
    public string? Description { get; set; }
    public string ExtraSpecs { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";
}
