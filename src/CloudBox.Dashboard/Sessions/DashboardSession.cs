namespace CloudBox.Dashboard.Sessions;

/// <summary>One logged-in browser: the token it acts with, its CSRF secret, and who it is (for the page and the admin checks).</summary>
internal sealed class DashboardSession
{
    public required string IdHash { get; init; }
    public required string Token { get; init; }
    public required string Csrf { get; init; }
    public required string UserId { get; init; }
    public required string UserName { get; init; }
    public required string DomainName { get; init; }
    public required string ProjectId { get; init; }
    public required string ProjectName { get; init; }
    public required bool IsAdmin { get; init; }
    public required string ExpiresAt { get; init; }
    public required string CreatedAt { get; init; }
}
