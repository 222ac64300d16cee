using CloudBox.Core.Api.Policy;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Groups;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Roles;
using CloudBox.Identity.Users;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Identity.Assignments;

/// <summary>Turns the ids in a grant URL into an assignment, answering 404 for any that does not exist.</summary>
public sealed class GrantResolver(ProjectStore projects, DomainStore domains, UserStore users, GroupStore groups, RoleStore roles)
{
    public async Task<AssignmentRecord> ResolveAsync(HttpContext context, string targetType, string actorType, string? roleId, bool inherited, CancellationToken cancellationToken)
    {
        var values = context.Request.RouteValues;
        var actorId = values["actorId"]?.ToString() ?? "";
        var targetId = targetType == TargetType.System ? TargetType.SystemAll : values["targetId"]?.ToString() ?? "";
        if (targetType == TargetType.Project)
            _ = await projects.GetAsync(targetId, cancellationToken);
        else if (targetType == TargetType.Domain)
            _ = await domains.GetAsync(targetId, cancellationToken);
        if (actorType == ActorType.User)
            _ = await users.GetAsync(actorId, cancellationToken);
        else
            _ = await groups.GetAsync(actorId, cancellationToken);
        if (roleId is not null)
            _ = await roles.GetAsync(roleId, cancellationToken);
        return new AssignmentRecord { ActorType = actorType, ActorId = actorId, TargetType = targetType, TargetId = targetId, RoleId = roleId ?? "", Inherited = inherited };
    }

    public static PolicyTarget Target(AssignmentRecord assignment) => new PolicyTarget()
        .Set("target.project.id", assignment.TargetType == TargetType.Project ? assignment.TargetId : null)
        .Set("target.domain.id", assignment.TargetType == TargetType.Domain ? assignment.TargetId : null)
        .Set("target.user.id", assignment.ActorType == ActorType.User ? assignment.ActorId : null)
        .Set("target.group.id", assignment.ActorType == ActorType.Group ? assignment.ActorId : null)
        .Set("target.role.id", assignment.RoleId);
}
