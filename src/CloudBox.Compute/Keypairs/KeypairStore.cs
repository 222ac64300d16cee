using CloudBox.Compute.Quotas;
using CloudBox.Core.Api;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Compute.Keypairs;

/// <summary>The <c>compute_keypairs</c> table; creation checks the <c>key_pairs</c> quota in the same transaction.</summary>
public sealed class KeypairStore(Database database, QuotaStore quotas)
{
    private const string Columns = "id, user_id, name, type, public_key, fingerprint, created_at";

    /// <summary>Inserts the key pair; 403 over quota, 409 when the user already has one by that name.</summary>
    public Task InsertAsync(KeypairRecord keypair, string? projectId, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "compute-keypairs:" + keypair.UserId);
            var count = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM compute_keypairs WHERE user_id = @UserId", keypair, transaction);
            var limit = await quotas.LimitAsync(connection, transaction, projectId, "key_pairs");
            if (limit >= 0 && count + 1 > limit)
                throw ApiFault.Forbidden("Quota exceeded, too many key pairs.");
            var exists = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM compute_keypairs WHERE user_id = @UserId AND name = @Name", keypair, transaction);
            if (exists > 0)
                throw ApiFault.Conflict($"Key pair '{keypair.Name}' already exists.");
            await database.LockAsync(connection, transaction, "compute-keypair-ids");
            keypair.Id = await connection.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(id), 0) + 1 FROM compute_keypairs", transaction: transaction);
            await connection.ExecuteAsync(
                $"INSERT INTO compute_keypairs ({Columns}) VALUES (@Id, @UserId, @Name, @Type, @PublicKey, @Fingerprint, @CreatedAt)", keypair, transaction);
        }, cancellationToken);

    public async Task<KeypairRecord?> FindAsync(string userId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<KeypairRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM compute_keypairs WHERE user_id = @userId AND name = @name", new { userId, name }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<KeypairRecord>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<KeypairRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM compute_keypairs WHERE user_id = @userId ORDER BY name", new { userId }, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    public async Task<bool> DeleteAsync(string userId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM compute_keypairs WHERE user_id = @userId AND name = @name", new { userId, name }, cancellationToken: cancellationToken)) > 0;
    }
}
