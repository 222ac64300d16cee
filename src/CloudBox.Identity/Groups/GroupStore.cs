using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Identity.Data;
using Dapper;

namespace CloudBox.Identity.Groups;

public sealed class GroupStore(Database database, IdentityChanges changes)
{
    private const string Columns = "id, name, domain_id, description, created_at";

    public async Task<GroupRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<GroupRecord>($"SELECT {Columns} FROM identity_groups WHERE id = @id", new { id });
    }

    public async Task<GroupRecord> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Could not find group: {id}.");

    public async Task<IReadOnlyList<GroupRecord>> ListAsync(string? name, string? domainId, string? memberUserId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<GroupRecord>(
            $"""
            SELECT {Columns} FROM identity_groups g
            WHERE (@name IS NULL OR name = @name) AND (@domainId IS NULL OR domain_id = @domainId)
              AND (@memberUserId IS NULL OR EXISTS (SELECT 1 FROM identity_group_members m WHERE m.group_id = g.id AND m.user_id = @memberUserId))
            ORDER BY name, id
            """, new { name, domainId, memberUserId });
        return rows.AsList();
    }

    public async Task<IReadOnlyList<string>> GroupIdsOfUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT group_id FROM identity_group_members WHERE user_id = @userId", new { userId })).AsList();
    }

    public async Task CreateAsync(GroupRecord group, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync($"INSERT INTO identity_groups ({Columns}) VALUES (@Id, @Name, @DomainId, @Description, @CreatedAt)", group);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store group - Duplicate entry found with name {group.Name}.");
        }
    }

    public async Task UpdateAsync(GroupRecord group, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync("UPDATE identity_groups SET name = @Name, description = @Description WHERE id = @Id", group);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store group - Duplicate entry found with name {group.Name}.");
        }
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                """
                DELETE FROM identity_assignments WHERE actor_type = 'group' AND actor_id = @id;
                DELETE FROM identity_group_members WHERE group_id = @id;
                DELETE FROM identity_groups WHERE id = @id;
                """, new { id }, transaction);
        }, cancellationToken);
        changes.Bump();
    }

    public async Task AddMemberAsync(string groupId, string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO identity_group_members (group_id, user_id) VALUES (@groupId, @userId) ON CONFLICT DO NOTHING", new { groupId, userId });
        changes.Bump();
    }

    public async Task<bool> IsMemberAsync(string groupId, string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM identity_group_members WHERE group_id = @groupId AND user_id = @userId", new { groupId, userId }) > 0;
    }

    public async Task<bool> RemoveMemberAsync(string groupId, string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var removed = await connection.ExecuteAsync(
            "DELETE FROM identity_group_members WHERE group_id = @groupId AND user_id = @userId", new { groupId, userId });
        changes.Bump();
        return removed > 0;
    }
}
