using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Identity.Data;
using Dapper;

namespace CloudBox.Identity.Users;

public sealed class UserStore(Database database, IdentityChanges changes)
{
    private const string Columns = "id, name, domain_id, enabled, password_hash, password_changed_at, default_project_id, description, email, extra, created_at";

    public async Task<UserRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>($"SELECT {Columns} FROM identity_users WHERE id = @id", new { id });
    }

    public async Task<UserRecord> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Could not find user: {id}.");

    public async Task<UserRecord?> FindByNameAsync(string name, string domainId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>(
            $"SELECT {Columns} FROM identity_users WHERE name = @name AND domain_id = @domainId", new { name, domainId });
    }

    public async Task<IReadOnlyList<UserRecord>> ListAsync(string? name, string? domainId, bool? enabled, string? groupId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<UserRecord>(
            $"""
            SELECT {Columns} FROM identity_users u
            WHERE (@name IS NULL OR name = @name) AND (@domainId IS NULL OR domain_id = @domainId) AND (@enabled IS NULL OR enabled = @enabled)
              AND (@groupId IS NULL OR EXISTS (SELECT 1 FROM identity_group_members m WHERE m.user_id = u.id AND m.group_id = @groupId))
            ORDER BY name, id
            """,
            new { name, domainId, enabled, groupId });
        return rows.AsList();
    }

    public async Task CreateAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                $"INSERT INTO identity_users ({Columns}) VALUES (@Id, @Name, @DomainId, @Enabled, @PasswordHash, @PasswordChangedAt, @DefaultProjectId, @Description, @Email, @Extra, @CreatedAt)",
                user);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store user - Duplicate entry found with name {user.Name} at domain ID {user.DomainId}.");
        }
        changes.Bump();
    }

    public async Task UpdateAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                """
                UPDATE identity_users SET name = @Name, enabled = @Enabled, password_hash = @PasswordHash, password_changed_at = @PasswordChangedAt,
                    default_project_id = @DefaultProjectId, description = @Description, email = @Email, extra = @Extra
                WHERE id = @Id
                """, user);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store user - Duplicate entry found with name {user.Name} at domain ID {user.DomainId}.");
        }
        changes.Bump();
    }

    /// <summary>Failed password logins in a row and when the last one was (Keystone's lockout counters).</summary>
    public async Task<(long Count, string? At)> FailedAuthAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<(long, string?)>(new CommandDefinition(
            "SELECT failed_auth_count, failed_auth_at FROM identity_users WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task SetFailedAuthAsync(string id, long count, string? at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE identity_users SET failed_auth_count = @count, failed_auth_at = @at WHERE id = @id", new { id, count, at }, cancellationToken: cancellationToken));
    }

    /// <summary>Deletes a user with its role assignments, group memberships, credentials and application credentials.</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                """
                DELETE FROM identity_assignments WHERE actor_type = 'user' AND actor_id = @id;
                DELETE FROM identity_group_members WHERE user_id = @id;
                DELETE FROM identity_credentials WHERE user_id = @id;
                DELETE FROM identity_application_credentials WHERE user_id = @id;
                DELETE FROM identity_users WHERE id = @id;
                """, new { id }, transaction);
        }, cancellationToken);
        changes.Bump();
    }
}
