using CloudBox.Identity.Groups;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Roles;

namespace CloudBox.Identity.Assignments;

/// <summary>
/// The roles a user really holds on a target: assignments to the user and to the user's
/// groups, assignments inherited from the project's domain and ancestors, and every role those
/// imply (admin ⇒ member ⇒ reader).
/// </summary>
public sealed class EffectiveRoles(AssignmentStore assignments, GroupStore groups, ProjectStore projects, RoleStore roles)
{
    public async Task<IReadOnlyList<RoleRecord>> OnProjectAsync(string userId, ProjectRecord project, CancellationToken cancellationToken = default)
    {
        var actors = await ActorIdsAsync(userId, cancellationToken);
        var direct = await assignments.ListAsync(actorIds: actors, targetType: TargetType.Project, targetIds: [project.Id], inherited: false, cancellationToken: cancellationToken);
        var ancestors = await projects.AncestorIdsAsync(project.Id, cancellationToken);
        var fromAncestors = await assignments.ListAsync(actorIds: actors, targetType: TargetType.Project, targetIds: [.. ancestors], inherited: true, cancellationToken: cancellationToken);
        var fromDomain = await assignments.ListAsync(actorIds: actors, targetType: TargetType.Domain, targetIds: [project.DomainId], inherited: true, cancellationToken: cancellationToken);
        return await ExpandAsync(direct.Concat(fromAncestors).Concat(fromDomain).Select(a => a.RoleId), cancellationToken);
    }

    public async Task<IReadOnlyList<RoleRecord>> OnDomainAsync(string userId, string domainId, CancellationToken cancellationToken = default)
    {
        var actors = await ActorIdsAsync(userId, cancellationToken);
        var direct = await assignments.ListAsync(actorIds: actors, targetType: TargetType.Domain, targetIds: [domainId], inherited: false, cancellationToken: cancellationToken);
        return await ExpandAsync(direct.Select(a => a.RoleId), cancellationToken);
    }

    public async Task<IReadOnlyList<RoleRecord>> OnSystemAsync(string userId, CancellationToken cancellationToken = default)
    {
        var actors = await ActorIdsAsync(userId, cancellationToken);
        var direct = await assignments.ListAsync(actorIds: actors, targetType: TargetType.System, targetIds: [TargetType.SystemAll], cancellationToken: cancellationToken);
        return await ExpandAsync(direct.Select(a => a.RoleId), cancellationToken);
    }

    /// <summary>The roles <paramref name="roleIds"/> name plus all they imply, transitively, by name order.</summary>
    public async Task<IReadOnlyList<RoleRecord>> ExpandAsync(IEnumerable<string> roleIds, CancellationToken cancellationToken = default)
    {
        var implies = await roles.ListImpliesAsync(cancellationToken);
        var all = (await roles.ListAllAsync(cancellationToken)).ToDictionary(r => r.Id);
        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(roleIds);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (!result.Add(id))
                continue;
            foreach (var (prior, implied) in implies)
            {
                if (prior == id)
                    pending.Push(implied);
            }
        }
        return [.. result.Where(all.ContainsKey).Select(id => all[id]).OrderBy(r => r.Name, StringComparer.Ordinal)];
    }

    private async Task<List<string>> ActorIdsAsync(string userId, CancellationToken cancellationToken)
    {
        var actors = new List<string> { userId };
        actors.AddRange(await groups.GroupIdsOfUserAsync(userId, cancellationToken));
        return actors;
    }
}
