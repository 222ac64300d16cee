using System.Data.Common;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Compute.ServerGroups;

/// <summary>
/// The <c>compute_server_groups</c> and <c>compute_server_group_members</c> tables. Members are
/// added in the server create's transaction and removed when the server is deleted; a member
/// whose server row is deleted is never shown.
/// </summary>
public sealed class ServerGroupStore(Database database)
{
    private const string Columns = "id, name, project_id, user_id, policy, rules, created_at";

    public Database Database => database;

    public async Task<ServerGroupRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var group = await connection.QuerySingleOrDefaultAsync<ServerGroupRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM compute_server_groups WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        if (group is not null)
            await FillMembersAsync(connection, [group], cancellationToken);
        return group;
    }

    /// <summary>Groups of one project, or of every project when <paramref name="projectId"/> is null; oldest first, as Nova lists them.</summary>
    public async Task<IReadOnlyList<ServerGroupRecord>> ListAsync(string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var groups = (await connection.QueryAsync<ServerGroupRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM compute_server_groups {(projectId is null ? "" : "WHERE project_id = @projectId")} ORDER BY created_at, id",
            new { projectId }, cancellationToken: cancellationToken))).ToList();
        await FillMembersAsync(connection, groups, cancellationToken);
        return groups;
    }

    /// <summary>Inserts the group unless the project is at its <paramref name="quota"/> of groups (-1: unlimited); false when it is.</summary>
    public Task<bool> CreateAsync(ServerGroupRecord group, int quota, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            // Serialised per project so that two creates cannot both take the last group of the quota.
            await database.LockAsync(connection, transaction, "compute-server-groups:" + group.ProjectId);
            if (quota >= 0 && await CountAsync(connection, transaction, group.ProjectId) >= quota)
                return false;
            await connection.ExecuteAsync($"INSERT INTO compute_server_groups ({Columns}) VALUES (@Id, @Name, @ProjectId, @UserId, @Policy, @Rules, @CreatedAt)",
                group, transaction);
            return true;
        }, cancellationToken);

    public Task DeleteAsync(string id, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("DELETE FROM compute_server_group_members WHERE group_id = @id", new { id }, transaction);
            await connection.ExecuteAsync("DELETE FROM compute_server_groups WHERE id = @id", new { id }, transaction);
        }, cancellationToken);

    public static async Task<int> CountAsync(DbConnection connection, DbTransaction? transaction, string projectId) =>
        (int)await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM compute_server_groups WHERE project_id = @projectId", new { projectId }, transaction);

    /// <summary>Live servers in the group.</summary>
    public static async Task<int> CountMembersAsync(DbConnection connection, DbTransaction? transaction, string groupId) =>
        (int)await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM compute_server_group_members m JOIN compute_servers s ON s.id = m.server_id WHERE m.group_id = @groupId AND s.deleted = @no",
            new { groupId, no = false }, transaction);

    /// <summary>Adds servers being created to the group, inside the create's transaction.</summary>
    public static async Task AddMembersAsync(DbConnection connection, DbTransaction transaction, string groupId, IEnumerable<string> serverIds, string now)
    {
        foreach (var serverId in serverIds)
        {
            await connection.ExecuteAsync("INSERT INTO compute_server_group_members (group_id, server_id, created_at) VALUES (@groupId, @serverId, @now)",
                new { groupId, serverId, now }, transaction);
        }
    }

    /// <summary>The group a server was created in, if any.</summary>
    public async Task<ServerGroupRecord?> FindForServerAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var groupId = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT group_id FROM compute_server_group_members WHERE server_id = @serverId", new { serverId }, cancellationToken: cancellationToken));
        return groupId is null ? null : await FindAsync(groupId, cancellationToken);
    }

    /// <summary>A deleted server leaves its group (Nova's behaviour), so it no longer counts against the policy or the member quota.</summary>
    public async Task RemoveServerAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM compute_server_group_members WHERE server_id = @serverId",
            new { serverId }, cancellationToken: cancellationToken));
    }

    private async Task FillMembersAsync(DbConnection connection, IReadOnlyList<ServerGroupRecord> groups, CancellationToken cancellationToken)
    {
        if (groups.Count == 0)
            return;
        // One query for all the groups' members (live servers only), never one per group.
        var byId = groups.ToDictionary(g => g.Id, StringComparer.Ordinal);
        var rows = await connection.QueryAsync<(string GroupId, string ServerId)>(new CommandDefinition(
            "SELECT m.group_id, m.server_id FROM compute_server_group_members m JOIN compute_servers s ON s.id = m.server_id " +
            $"WHERE s.deleted = @no AND {database.InList("m.group_id", "ids")} ORDER BY m.created_at, m.server_id",
            new { no = false, ids = byId.Keys.ToArray() }, cancellationToken: cancellationToken));
        foreach (var (groupId, serverId) in rows)
        {
            if (byId.TryGetValue(groupId, out var group))
                group.Members.Add(serverId);
        }
    }
}
