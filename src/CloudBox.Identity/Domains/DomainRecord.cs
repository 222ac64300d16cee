namespace CloudBox.Identity.Domains;

public sealed class DomainRecord
{
    /// <summary>The domain bootstrap creates, with Keystone's well-known id.</summary>
    public const string DefaultId = "default";

    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public bool Enabled { get; set; }
    public string Extra { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";
}
