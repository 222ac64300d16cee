using CloudBox.Core.Api;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Identity.Credentials;

public sealed class CredentialStore(Database database)
{
    private const string Columns = "id, user_id, project_id, type, encrypted_blob, access_key, created_at";

    public async Task<CredentialRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CredentialRecord>($"SELECT {Columns} FROM identity_credentials WHERE id = @id", new { id });
    }

    public async Task<CredentialRecord?> FindByAccessKeyAsync(string accessKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CredentialRecord>(
            $"SELECT {Columns} FROM identity_credentials WHERE access_key = @accessKey", new { accessKey });
    }

    public async Task<IReadOnlyList<CredentialRecord>> ListAsync(string? userId, string? type, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<CredentialRecord>(
            $"SELECT {Columns} FROM identity_credentials WHERE (@userId IS NULL OR user_id = @userId) AND (@type IS NULL OR type = @type) ORDER BY created_at, id",
            new { userId, type })).AsList();
    }

    public async Task CreateAsync(CredentialRecord credential, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                $"INSERT INTO identity_credentials ({Columns}) VALUES (@Id, @UserId, @ProjectId, @Type, @EncryptedBlob, @AccessKey, @CreatedAt)", credential);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict("Conflict occurred attempting to store credential - Duplicate entry.");
        }
    }

    public async Task UpdateAsync(CredentialRecord credential, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                "UPDATE identity_credentials SET user_id = @UserId, project_id = @ProjectId, type = @Type, encrypted_blob = @EncryptedBlob, access_key = @AccessKey WHERE id = @Id",
                credential);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict("Conflict occurred attempting to store credential - Duplicate entry.");
        }
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM identity_credentials WHERE id = @id", new { id });
    }
}
