using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Identity.Data;
using Dapper;

namespace CloudBox.Identity.Domains;

public sealed class DomainStore(Database database, IdentityChanges changes)
{
    private const string Columns = "id, name, description, enabled, extra, created_at";

    public async Task<DomainRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DomainRecord>($"SELECT {Columns} FROM identity_domains WHERE id = @id", new { id });
    }

    public async Task<DomainRecord> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Could not find domain: {id}.");

    public async Task<DomainRecord?> FindByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DomainRecord>($"SELECT {Columns} FROM identity_domains WHERE name = @name", new { name });
    }

    public async Task<IReadOnlyList<DomainRecord>> ListAsync(string? name, bool? enabled, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<DomainRecord>(
            $"SELECT {Columns} FROM identity_domains WHERE (@name IS NULL OR name = @name) AND (@enabled IS NULL OR enabled = @enabled) ORDER BY name, id",
            new { name, enabled });
        return rows.AsList();
    }

    public async Task CreateAsync(DomainRecord domain, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                $"INSERT INTO identity_domains ({Columns}) VALUES (@Id, @Name, @Description, @Enabled, @Extra, @CreatedAt)", domain);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store domain - Duplicate entry found with name {domain.Name}.");
        }
        changes.Bump();
    }

    public async Task UpdateAsync(DomainRecord domain, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                "UPDATE identity_domains SET name = @Name, description = @Description, enabled = @Enabled, extra = @Extra WHERE id = @Id", domain);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store domain - Duplicate entry found with name {domain.Name}.");
        }
        changes.Bump();
    }

    /// <summary>Deletes a disabled domain and everything in it (projects, users, groups, their assignments), as Keystone does.</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            object args = new { id };
            await connection.ExecuteAsync(
                """
                DELETE FROM identity_assignments WHERE (target_type = 'domain' AND target_id = @id)
                   OR (target_type = 'project' AND target_id IN (SELECT p.id FROM identity_projects p WHERE p.domain_id = @id))
                   OR actor_id IN (SELECT u.id FROM identity_users u WHERE u.domain_id = @id)
                   OR actor_id IN (SELECT g.id FROM identity_groups g WHERE g.domain_id = @id);
                DELETE FROM identity_application_credentials WHERE project_id IN (SELECT p.id FROM identity_projects p WHERE p.domain_id = @id);
                DELETE FROM identity_users WHERE domain_id = @id;
                DELETE FROM identity_groups WHERE domain_id = @id;
                UPDATE identity_projects SET parent_id = NULL WHERE domain_id = @id;
                DELETE FROM identity_projects WHERE domain_id = @id;
                DELETE FROM identity_roles WHERE domain_id = @id;
                DELETE FROM identity_domains WHERE id = @id;
                """, args, transaction);
        }, cancellationToken);
        changes.Bump();
    }
}
