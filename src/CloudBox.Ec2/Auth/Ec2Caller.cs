using CloudBox.Core.Api.Auth;

namespace CloudBox.Ec2.Auth;

/// <summary>Who an authenticated EC2 request acts as: the credential's user on its project, with the roles held there now.</summary>
internal sealed record Ec2Caller(CallerContext Context, string UserId, string ProjectId)
{
    public bool IsAdmin => Context.Roles.Any(r => string.Equals(r.Name, "admin", StringComparison.OrdinalIgnoreCase));
}
