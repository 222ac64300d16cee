namespace CloudBox.Identity.Groups;

public sealed class GroupRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string DomainId { get; set; } = "";
    public string Description { get; set; } = "";
    public string CreatedAt { get; set; } = "";
}
