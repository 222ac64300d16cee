using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Identity.Data;
using Dapper;

namespace CloudBox.Identity.Roles;

public sealed class RoleStore(Database database, IdentityChanges changes)
{
    private const string Columns = "id, name, domain_id, description, created_at";

    public async Task<RoleRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<RoleRecord>($"SELECT {Columns} FROM identity_roles WHERE id = @id", new { id });
    }

    public async Task<RoleRecord> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Could not find role: {id}.");

    public async Task<IReadOnlyList<RoleRecord>> ListAsync(string? name, string? domainId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<RoleRecord>(
            $"""
            SELECT {Columns} FROM identity_roles
            WHERE (@name IS NULL OR name = @name) AND ((@domainId IS NULL AND domain_id IS NULL) OR domain_id = @domainId)
            ORDER BY name, id
            """, new { name, domainId });
        return rows.AsList();
    }

    public async Task<IReadOnlyList<RoleRecord>> ListAllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<RoleRecord>($"SELECT {Columns} FROM identity_roles ORDER BY name, id")).AsList();
    }

    public async Task CreateAsync(RoleRecord role, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync($"INSERT INTO identity_roles ({Columns}) VALUES (@Id, @Name, @DomainId, @Description, @CreatedAt)", role);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store role - Duplicate entry found with name {role.Name}.");
        }
        changes.Bump();
    }

    public async Task UpdateAsync(RoleRecord role, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync("UPDATE identity_roles SET name = @Name, description = @Description WHERE id = @Id", role);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store role - Duplicate entry found with name {role.Name}.");
        }
        changes.Bump();
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                """
                DELETE FROM identity_assignments WHERE role_id = @id;
                DELETE FROM identity_implied_roles WHERE prior_role_id = @id OR implied_role_id = @id;
                DELETE FROM identity_roles WHERE id = @id;
                """, new { id }, transaction);
        }, cancellationToken);
        changes.Bump();
    }

    public async Task<IReadOnlyList<(string PriorRoleId, string ImpliedRoleId)>> ListImpliesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, string)>(
            "SELECT prior_role_id, implied_role_id FROM identity_implied_roles ORDER BY prior_role_id, implied_role_id")).AsList();
    }

    public async Task AddImplyAsync(string priorRoleId, string impliedRoleId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO identity_implied_roles (prior_role_id, implied_role_id) VALUES (@priorRoleId, @impliedRoleId) ON CONFLICT DO NOTHING",
            new { priorRoleId, impliedRoleId });
        changes.Bump();
    }

    public async Task<bool> RemoveImplyAsync(string priorRoleId, string impliedRoleId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var removed = await connection.ExecuteAsync(
            "DELETE FROM identity_implied_roles WHERE prior_role_id = @priorRoleId AND implied_role_id = @impliedRoleId",
            new { priorRoleId, impliedRoleId });
        changes.Bump();
        return removed > 0;
    }
}
