using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Identity.Data;
using Dapper;

namespace CloudBox.Identity.ApplicationCredentials;

public sealed class ApplicationCredentialStore(Database database, IdentityChanges changes)
{
    private const string Columns = "id, name, user_id, project_id, secret_hash, description, expires_at, unrestricted, role_ids, created_at";

    public async Task<ApplicationCredentialRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApplicationCredentialRecord>(
            $"SELECT {Columns} FROM identity_application_credentials WHERE id = @id", new { id });
    }

    public async Task<ApplicationCredentialRecord?> FindByNameAsync(string userId, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApplicationCredentialRecord>(
            $"SELECT {Columns} FROM identity_application_credentials WHERE user_id = @userId AND name = @name", new { userId, name });
    }

    public async Task<IReadOnlyList<ApplicationCredentialRecord>> ListAsync(string userId, string? name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ApplicationCredentialRecord>(
            $"SELECT {Columns} FROM identity_application_credentials WHERE user_id = @userId AND (@name IS NULL OR name = @name) ORDER BY name, id",
            new { userId, name })).AsList();
    }

    public async Task CreateAsync(ApplicationCredentialRecord credential, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                $"INSERT INTO identity_application_credentials ({Columns}) VALUES (@Id, @Name, @UserId, @ProjectId, @SecretHash, @Description, @ExpiresAt, @Unrestricted, @RoleIds, @CreatedAt)",
                credential);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store application_credential - Duplicate entry found with name {credential.Name}.");
        }
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM identity_application_credentials WHERE id = @id", new { id });
        changes.Bump();
    }
}
