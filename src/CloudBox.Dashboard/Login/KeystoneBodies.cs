using System.Text.Json.Serialization;

namespace CloudBox.Dashboard.Login;

// The parts of Keystone's POST /v3/auth/tokens the dashboard sends and reads.

internal sealed record AuthRequest(AuthBody Auth);

internal sealed record AuthBody(AuthIdentity Identity, AuthScope? Scope);

internal sealed record AuthIdentity(
    IReadOnlyList<string> Methods,
    AuthPassword? Password = null,
    AuthToken? Token = null,
    [property: JsonPropertyName("application_credential")] AuthApplicationCredential? ApplicationCredential = null);

internal sealed record AuthPassword(AuthUser User);

internal sealed record AuthUser(string Name, NamedRef Domain, string Password);

internal sealed record AuthToken(string Id);

internal sealed record AuthApplicationCredential(string Id, string Secret);

internal sealed record AuthScope(AuthProjectScope Project);

internal sealed record AuthProjectScope(string? Id = null, string? Name = null, NamedRef? Domain = null);

internal sealed record NamedRef(string? Id = null, string? Name = null);

internal sealed record TokenResponse(TokenBody Token);

internal sealed record TokenBody(
    [property: JsonPropertyName("expires_at")] string ExpiresAt,
    TokenUser User,
    TokenProject? Project,
    IReadOnlyList<NamedRef>? Roles);

internal sealed record TokenUser(string Id, string Name, NamedRef Domain);

internal sealed record TokenProject(string Id, string Name);

internal sealed record ProjectList(IReadOnlyList<TokenProject> Projects);

internal sealed record KeystoneError(KeystoneErrorBody? Error);

internal sealed record KeystoneErrorBody(string? Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuthRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ProjectList))]
[JsonSerializable(typeof(KeystoneError))]
[JsonSerializable(typeof(SessionInfo))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
