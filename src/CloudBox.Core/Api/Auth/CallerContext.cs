namespace CloudBox.Core.Api.Auth;

/// <summary>
/// Who is calling, as established from a validated token: the user, the scope the token is
/// for (one project, one domain, the system, or none) and the effective roles in that scope
/// (implied roles already expanded).
/// </summary>
public sealed class CallerContext
{
    public required string Token { get; init; }
    public required string UserId { get; init; }
    public required string UserName { get; init; }
    public required string UserDomainId { get; init; }
    public required string UserDomainName { get; init; }

    public string? ProjectId { get; init; }
    public string? ProjectName { get; init; }
    public string? ProjectDomainId { get; init; }
    public string? ProjectDomainName { get; init; }

    /// <summary>Set for a domain-scoped token.</summary>
    public string? DomainId { get; init; }
    public string? DomainName { get; init; }

    /// <summary>True for a system-scoped token (<c>system: {all: true}</c>).</summary>
    public bool SystemScope { get; init; }

    public IReadOnlyList<RoleReference> Roles { get; init; } = [];
    public IReadOnlyList<string> Methods { get; init; } = [];
    public IReadOnlyList<string> AuditIds { get; init; } = [];
    public DateTimeOffset IssuedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Set when the token was obtained with an application credential; such tokens cannot create more credentials.</summary>
    public string? ApplicationCredentialId { get; init; }

    public bool IsUnscoped => ProjectId is null && DomainId is null && !SystemScope;

    public bool HasRole(string name)
    {
        foreach (var role in Roles)
        {
            if (string.Equals(role.Name, name, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}
