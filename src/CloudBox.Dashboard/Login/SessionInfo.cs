using System.Text.Json.Serialization;

namespace CloudBox.Dashboard.Login;

/// <summary>What <c>GET /dashboard/session</c> tells the page: who is logged in, the CSRF token to send, when the session ends.</summary>
internal sealed record SessionInfo(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("user_name")] string UserName,
    [property: JsonPropertyName("domain_name")] string DomainName,
    [property: JsonPropertyName("project_id")] string ProjectId,
    [property: JsonPropertyName("project_name")] string ProjectName,
    [property: JsonPropertyName("is_admin")] bool IsAdmin,
    string Csrf,
    [property: JsonPropertyName("expires_at")] string ExpiresAt);
