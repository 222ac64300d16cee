namespace CloudBox.Orchestration.Data;

/// <summary>A row of <c>orchestration_software_configs</c>: an immutable software configuration (Heat's software_configs).</summary>
internal sealed class SoftwareConfigRecord
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string Name { get; set; } = "";
    public string ConfigGroup { get; set; } = "Heat::Ungrouped";
    public string Config { get; set; } = "";
    /// <summary>JSON lists and map, as given.</summary>
    public string Inputs { get; set; } = "[]";
    public string Outputs { get; set; } = "[]";
    public string Options { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";
}
