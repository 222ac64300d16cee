namespace CloudBox.Identity.Users;

public sealed class UserRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string DomainId { get; set; } = "";
    public bool Enabled { get; set; }
    public string? PasswordHash { get; set; }
    public string? PasswordChangedAt { get; set; }
    public string? DefaultProjectId { get; set; }
    public string Description { get; set; } = "";
    public string Email { get; set; } = "";
    public string Extra { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";
}
