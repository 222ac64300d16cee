using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Identity.Api;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Groups;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Roles;
using CloudBox.Identity.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Assignments;

/// <summary>
/// Role grants: <c>/v3/{projects|domains}/{id}/{users|groups}/{id}/roles[/{role}]</c>,
/// <c>/v3/system/{users|groups}/{id}/roles[/{role}]</c> and the OS-INHERIT forms.
/// </summary>
public static class GrantEndpoints
{
    public static void Map(IEndpointRouteBuilder v3)
    {
        foreach (var (targetSegment, targetType) in new[] { ("projects", TargetType.Project), ("domains", TargetType.Domain) })
        {
            foreach (var (actorSegment, actorType) in new[] { ("users", ActorType.User), ("groups", ActorType.Group) })
            {
                MapGrant(v3, $"/{targetSegment}/{{targetId}}/{actorSegment}/{{actorId}}/roles", targetType, actorType, inherited: false);
                MapGrant(v3, $"/OS-INHERIT/{targetSegment}/{{targetId}}/{actorSegment}/{{actorId}}/roles", targetType, actorType, inherited: true);
            }
        }
        foreach (var (actorSegment, actorType) in new[] { ("users", ActorType.User), ("groups", ActorType.Group) })
            MapGrant(v3, $"/system/{actorSegment}/{{actorId}}/roles", TargetType.System, actorType, inherited: false);
    }

    private static void MapGrant(IEndpointRouteBuilder v3, string prefix, string targetType, string actorType, bool inherited)
    {
        var suffix = inherited ? "/inherited_to_projects" : "";
        v3.MapGet(prefix + suffix, (HttpContext context, PolicyEngine policy, GrantResolver resolver, AssignmentStore assignments, RoleStore roles, CancellationToken cancellationToken) =>
            ListAsync(context, policy, resolver, assignments, roles, targetType, actorType, inherited, cancellationToken));
        v3.MapPut(prefix + "/{roleId}" + suffix, (HttpContext context, string roleId, PolicyEngine policy, GrantResolver resolver, AssignmentStore assignments, CancellationToken cancellationToken) =>
            ChangeAsync(context, roleId, policy, resolver, assignments, targetType, actorType, inherited, GrantChange.Grant, cancellationToken));
        v3.MapMethods(prefix + "/{roleId}" + suffix, ["HEAD", "GET"], (HttpContext context, string roleId, PolicyEngine policy, GrantResolver resolver, AssignmentStore assignments, CancellationToken cancellationToken) =>
            ChangeAsync(context, roleId, policy, resolver, assignments, targetType, actorType, inherited, GrantChange.Check, cancellationToken));
        v3.MapDelete(prefix + "/{roleId}" + suffix, (HttpContext context, string roleId, PolicyEngine policy, GrantResolver resolver, AssignmentStore assignments, CancellationToken cancellationToken) =>
            ChangeAsync(context, roleId, policy, resolver, assignments, targetType, actorType, inherited, GrantChange.Revoke, cancellationToken));
    }

    private enum GrantChange { Grant, Check, Revoke }

    private static async Task<IResult> ChangeAsync(HttpContext context, string roleId, PolicyEngine policy, GrantResolver resolver, AssignmentStore assignments,
        string targetType, string actorType, bool inherited, GrantChange change, CancellationToken cancellationToken)
    {
        var action = change switch { GrantChange.Grant => "identity:create_grant", GrantChange.Check => "identity:check_grant", _ => "identity:revoke_grant" };
        var assignment = await resolver.ResolveAsync(context, targetType, actorType, roleId, inherited, cancellationToken);
        context.Authorize(policy, targetType == TargetType.System ? action.Replace("_grant", "_system_grant", StringComparison.Ordinal) : action,
            GrantResolver.Target(assignment));
        switch (change)
        {
            case GrantChange.Grant:
                await assignments.GrantAsync(assignment, cancellationToken);
                return Results.NoContent();
            case GrantChange.Check:
                return await assignments.ExistsAsync(assignment, cancellationToken)
                    ? Results.NoContent()
                    : throw ApiFault.NotFound($"Could not find role assignment with role: {roleId}, {actorType}: {assignment.ActorId}, {targetType}: {assignment.TargetId}.");
            default:
                return await assignments.RevokeAsync(assignment, cancellationToken)
                    ? Results.NoContent()
                    : throw ApiFault.NotFound($"Could not find role assignment with role: {roleId}, {actorType}: {assignment.ActorId}, {targetType}: {assignment.TargetId}.");
        }
    }

    private static async Task<IResult> ListAsync(HttpContext context, PolicyEngine policy, GrantResolver resolver, AssignmentStore assignments, RoleStore roles,
        string targetType, string actorType, bool inherited, CancellationToken cancellationToken)
    {
        var probe = await resolver.ResolveAsync(context, targetType, actorType, roleId: null, inherited, cancellationToken);
        context.Authorize(policy, targetType == TargetType.System ? "identity:list_system_grants" : "identity:list_grants", GrantResolver.Target(probe));
        var held = await assignments.ListAsync(actorType, [probe.ActorId], targetType, [probe.TargetId], inherited: inherited, cancellationToken: cancellationToken);
        var found = new List<JsonObject>();
        foreach (var assignment in held)
        {
            if (await roles.FindAsync(assignment.RoleId, cancellationToken) is { } role)
                found.Add(RoleEndpoints.ToJson(role, context.Request));
        }
        return KeystoneResponses.Collection(context.Request, "roles", found);
    }
}
