using CloudBox.Core.Ids;

namespace CloudBox.Identity.ApplicationCredentials;

public sealed class ApplicationCredentialRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string UserId { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string SecretHash { get; set; } = "";
    public string Description { get; set; } = "";
    public string? ExpiresAt { get; set; }

    /// <summary>When false (the default) tokens from this credential may not create more credentials or trusts.</summary>
    public bool Unrestricted { get; set; }

    /// <summary>Space-separated role ids the credential acts with.</summary>
    public string RoleIds { get; set; } = "";
    public string CreatedAt { get; set; } = "";

    public IReadOnlyList<string> RoleIdList() => RoleIds.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is not null && Timestamps.FromStorage(ExpiresAt) <= now;
}
