namespace CloudBox.Identity.Roles;

public sealed class RoleRecord
{
    public const string Admin = "admin";
    public const string Member = "member";
    public const string Reader = "reader";

    public string Id { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>Null for a global role; set for a domain-specific role.</summary>
    public string? DomainId { get; set; }
    public string Description { get; set; } = "";
    public string CreatedAt { get; set; } = "";
}
