using CloudBox.Core.Data;
using CloudBox.Identity.Data;
using Dapper;

namespace CloudBox.Identity.Assignments;

public sealed class AssignmentStore(Database database, IdentityChanges changes)
{
    private const string Columns = "actor_type, actor_id, target_type, target_id, role_id, inherited";

    public async Task GrantAsync(AssignmentRecord assignment, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"INSERT INTO identity_assignments ({Columns}) VALUES (@ActorType, @ActorId, @TargetType, @TargetId, @RoleId, @Inherited) ON CONFLICT DO NOTHING",
            assignment);
        changes.Bump();
    }

    public async Task<bool> RevokeAsync(AssignmentRecord assignment, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var removed = await connection.ExecuteAsync(
            """
            DELETE FROM identity_assignments WHERE actor_type = @ActorType AND actor_id = @ActorId AND target_type = @TargetType
                AND target_id = @TargetId AND role_id = @RoleId AND inherited = @Inherited
            """, assignment);
        changes.Bump();
        return removed > 0;
    }

    public async Task<bool> ExistsAsync(AssignmentRecord assignment, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(*) FROM identity_assignments WHERE actor_type = @ActorType AND actor_id = @ActorId AND target_type = @TargetType
                AND target_id = @TargetId AND role_id = @RoleId AND inherited = @Inherited
            """, assignment) > 0;
    }

    /// <summary>Assignments matching every filter given (null means any).</summary>
    public async Task<IReadOnlyList<AssignmentRecord>> ListAsync(
        string? actorType = null, IReadOnlyCollection<string>? actorIds = null, string? targetType = null,
        IReadOnlyCollection<string>? targetIds = null, string? roleId = null, bool? inherited = null,
        CancellationToken cancellationToken = default)
    {
        var sql = new System.Text.StringBuilder($"SELECT {Columns} FROM identity_assignments WHERE 1 = 1");
        var args = new DynamicParameters();
        if (actorType is not null) { sql.Append(" AND actor_type = @actorType"); args.Add("actorType", actorType); }
        if (actorIds is not null)
        {
            if (actorIds.Count == 0)
                return [];
            sql.Append(" AND ").Append(database.InList("actor_id", "actorIds"));
            args.Add("actorIds", actorIds.ToArray());
        }
        if (targetType is not null) { sql.Append(" AND target_type = @targetType"); args.Add("targetType", targetType); }
        if (targetIds is not null)
        {
            if (targetIds.Count == 0)
                return [];
            sql.Append(" AND ").Append(database.InList("target_id", "targetIds"));
            args.Add("targetIds", targetIds.ToArray());
        }
        if (roleId is not null) { sql.Append(" AND role_id = @roleId"); args.Add("roleId", roleId); }
        if (inherited is not null) { sql.Append(" AND inherited = @inherited"); args.Add("inherited", inherited.Value); }
        sql.Append(" ORDER BY target_type, target_id, actor_type, actor_id, role_id");

        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AssignmentRecord>(sql.ToString(), args)).AsList();
    }
}
