namespace CloudBox.Identity.Projects;

public sealed class ProjectRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string DomainId { get; set; } = "";

    /// <summary>The parent project; null for a top-level project, whose parent on the wire is its domain.</summary>
    public string? ParentId { get; set; }
    public string Description { get; set; } = "";
    public bool Enabled { get; set; }
    public string Extra { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";
    public List<string> Tags { get; set; } = [];
}
