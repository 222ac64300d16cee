namespace CloudBox.Identity.Services;

public sealed class ServiceRecord
{
    public string Id { get; set; } = "";
    public string Type { get; set; } = "";
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public bool Enabled { get; set; }
    public string CreatedAt { get; set; } = "";
}
