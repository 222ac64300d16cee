using CloudBox.Core.Api.Auth;

namespace CloudBox.Identity.Auth;

/// <summary>Everything about a token's user and scope that is looked up rather than carried in the token.</summary>
public sealed record ResolvedAccess(
    string UserId,
    string UserName,
    string UserDomainId,
    string UserDomainName,
    string? ProjectId,
    string? ProjectName,
    string? ProjectDomainId,
    string? ProjectDomainName,
    string? DomainId,
    string? DomainName,
    bool System,
    IReadOnlyList<RoleReference> Roles,
    string? ApplicationCredentialName,
    bool ApplicationCredentialRestricted);
