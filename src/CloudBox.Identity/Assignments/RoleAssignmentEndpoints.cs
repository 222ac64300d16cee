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
/// <c>GET /v3/role_assignments</c> with Keystone's filters (<c>user.id</c>, <c>group.id</c>,
/// <c>role.id</c>, <c>scope.project.id</c>, <c>scope.domain.id</c>, <c>scope.system</c>,
/// <c>scope.OS-INHERIT:inherited_to</c>), <c>effective</c> (group membership, inheritance and
/// implied roles expanded) and <c>include_names</c>.
/// </summary>
public static class RoleAssignmentEndpoints
{
    public static void Map(IEndpointRouteBuilder v3) => v3.MapGet("/role_assignments", ListAsync);

    private sealed record Row(AssignmentRecord Assignment, string? ViaGroupId);

    private static async Task<IResult> ListAsync(HttpContext context, PolicyEngine policy, AssignmentStore assignments, GroupStore groups,
        UserStore users, ProjectStore projects, DomainStore domains, RoleStore roles, EffectiveRoles effectiveRoles, CancellationToken cancellationToken)
    {
        var query = context.Request;
        var userId = query.Query("user.id");
        var groupId = query.Query("group.id");
        var roleId = query.Query("role.id");
        var projectId = query.Query("scope.project.id");
        var domainId = query.Query("scope.domain.id");
        var system = query.Query("scope.system");
        var inheritedOnly = query.Query("scope.OS-INHERIT:inherited_to") == "projects";
        var effective = query.QueryBool("effective") == true;
        var includeNames = query.QueryBool("include_names") == true;
        if (effective && groupId is not null)
            throw ApiFault.BadRequest("Specifying group.id with effective is not allowed: effective lists users' assignments.");

        context.Authorize(policy, "identity:list_role_assignments", new PolicyTarget()
            .Set("target.user.id", userId).Set("target.project.id", projectId).Set("target.domain_id", domainId));

        // Gather candidate assignments; with effective, a user's groups count as the user.
        List<string>? actorIds = null;
        if (userId is not null)
        {
            actorIds = [userId];
            if (effective)
                actorIds.AddRange(await groups.GroupIdsOfUserAsync(userId, cancellationToken));
        }
        else if (groupId is not null)
        {
            actorIds = [groupId];
        }
        var raw = await assignments.ListAsync(actorIds: actorIds, roleId: effective ? null : roleId,
            inherited: inheritedOnly ? true : null, cancellationToken: cancellationToken);

        var rows = new List<Row>();
        foreach (var assignment in raw)
        {
            if (!effective)
            {
                rows.Add(new Row(assignment, null));
                continue;
            }
            var holders = assignment.ActorType == ActorType.Group
                ? (await users.ListAsync(null, null, null, assignment.ActorId, cancellationToken)).Select(u => u.Id).Where(id => userId is null || id == userId).ToList()
                : [assignment.ActorId];
            var viaGroup = assignment.ActorType == ActorType.Group ? assignment.ActorId : null;
            var targets = assignment.Inherited
                ? await InheritingProjectsAsync(projects, assignment, cancellationToken)
                : [(assignment.TargetType, assignment.TargetId)];
            var implied = await effectiveRoles.ExpandAsync([assignment.RoleId], cancellationToken);
            foreach (var holder in holders)
            {
                foreach (var (targetType, targetId) in targets)
                {
                    foreach (var role in implied)
                    {
                        rows.Add(new Row(new AssignmentRecord
                        {
                            ActorType = ActorType.User, ActorId = holder, TargetType = targetType, TargetId = targetId, RoleId = role.Id, Inherited = false,
                        }, viaGroup));
                    }
                }
            }
        }

        var filtered = rows.Where(r =>
            (roleId is null || r.Assignment.RoleId == roleId)
            && (projectId is null || (r.Assignment.TargetType == TargetType.Project && r.Assignment.TargetId == projectId))
            && (domainId is null || (r.Assignment.TargetType == TargetType.Domain && r.Assignment.TargetId == domainId))
            && (system is null || r.Assignment.TargetType == TargetType.System))
            .DistinctBy(r => (r.Assignment.ActorType, r.Assignment.ActorId, r.Assignment.TargetType, r.Assignment.TargetId, r.Assignment.RoleId, r.Assignment.Inherited))
            .ToList();

        var names = includeNames ? new NameLookup(users, groups, projects, domains, roles) : null;
        var items = new List<JsonObject>();
        foreach (var row in filtered)
            items.Add(await ToJsonAsync(row, names, context.Request, cancellationToken));
        return KeystoneResponses.Collection(context.Request, "role_assignments", items);
    }

    private static async Task<List<(string, string)>> InheritingProjectsAsync(ProjectStore projects, AssignmentRecord assignment, CancellationToken cancellationToken)
    {
        var all = await projects.ListAsync(new ProjectFilter(), cancellationToken);
        if (assignment.TargetType == TargetType.Domain)
            return [.. all.Where(p => p.DomainId == assignment.TargetId).Select(p => (TargetType.Project, p.Id))];
        var result = new List<(string, string)>();
        foreach (var project in all)
        {
            if ((await projects.AncestorIdsAsync(project.Id, cancellationToken)).Contains(assignment.TargetId))
                result.Add((TargetType.Project, project.Id));
        }
        return result;
    }

    private static async Task<JsonObject> ToJsonAsync(Row row, NameLookup? names, HttpRequest request, CancellationToken cancellationToken)
    {
        var a = row.Assignment;
        var v3 = IdentityUrls.V3(request);
        var role = new JsonObject { ["id"] = a.RoleId };
        var actor = new JsonObject { ["id"] = a.ActorId };
        var scopeTarget = new JsonObject { ["id"] = a.TargetId };
        if (names is not null)
        {
            var roleRecord = await names.Roles.FindAsync(a.RoleId, cancellationToken);
            role["name"] = roleRecord?.Name;
            if (roleRecord?.DomainId is { } roleDomain)
                role["domain"] = await names.DomainRefAsync(roleDomain, cancellationToken);
            if (a.ActorType == ActorType.User && await names.Users.FindAsync(a.ActorId, cancellationToken) is { } user)
            {
                actor["name"] = user.Name;
                actor["domain"] = await names.DomainRefAsync(user.DomainId, cancellationToken);
            }
            else if (a.ActorType == ActorType.Group && await names.Groups.FindAsync(a.ActorId, cancellationToken) is { } group)
            {
                actor["name"] = group.Name;
                actor["domain"] = await names.DomainRefAsync(group.DomainId, cancellationToken);
            }
            if (a.TargetType == TargetType.Project && await names.Projects.FindAsync(a.TargetId, cancellationToken) is { } project)
            {
                scopeTarget["name"] = project.Name;
                scopeTarget["domain"] = await names.DomainRefAsync(project.DomainId, cancellationToken);
            }
            else if (a.TargetType == TargetType.Domain && await names.Domains.FindAsync(a.TargetId, cancellationToken) is { } domain)
            {
                scopeTarget["name"] = domain.Name;
            }
        }

        var scope = a.TargetType == TargetType.System
            ? new JsonObject { ["system"] = new JsonObject { ["all"] = true } }
            : new JsonObject { [a.TargetType] = scopeTarget };
        if (a.Inherited)
            scope["OS-INHERIT:inherited_to"] = "projects";

        var targetPath = a.TargetType == TargetType.System ? "system" : $"{a.TargetType}s/{a.TargetId}";
        var link = $"{v3}/{(a.Inherited ? "OS-INHERIT/" : "")}{targetPath}/{a.ActorType}s/{a.ActorId}/roles/{a.RoleId}{(a.Inherited ? "/inherited_to_projects" : "")}";
        var links = new JsonObject { ["assignment"] = link };
        if (row.ViaGroupId is not null)
            links["membership"] = $"{v3}/groups/{row.ViaGroupId}/users/{a.ActorId}";

        return new JsonObject
        {
            ["role"] = role,
            [a.ActorType] = actor,
            ["scope"] = scope,
            ["links"] = links,
        };
    }

    private sealed class NameLookup(UserStore users, GroupStore groups, ProjectStore projects, DomainStore domains, RoleStore roles)
    {
        private readonly Dictionary<string, string> _domainNames = new();

        public UserStore Users => users;
        public GroupStore Groups => groups;
        public ProjectStore Projects => projects;
        public DomainStore Domains => domains;
        public RoleStore Roles => roles;

        public async Task<JsonObject> DomainRefAsync(string id, CancellationToken cancellationToken)
        {
            if (!_domainNames.TryGetValue(id, out var name))
            {
                name = (await domains.FindAsync(id, cancellationToken))?.Name ?? "";
                _domainNames[id] = name;
            }
            return new JsonObject { ["id"] = id, ["name"] = name };
        }
    }
}
