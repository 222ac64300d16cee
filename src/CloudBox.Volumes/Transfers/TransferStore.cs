using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Transfers;

/// <summary>The <c>volumes_transfers</c> table; creating, accepting and deleting happen in the endpoints' transactions.</summary>
public sealed class TransferStore(Database database)
{
    public const string Columns = "id, volume_id, project_id, name, salt, crypt_hash, created_at";
    public const string Values = "@Id, @VolumeId, @ProjectId, @Name, @Salt, @CryptHash, @CreatedAt";

    public Database Database => database;

    public async Task<TransferRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TransferRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_transfers WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>The project's transfers (every project's when <paramref name="projectId"/> is null), newest first.</summary>
    public async Task<IReadOnlyList<TransferRecord>> ListAsync(string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = projectId is null
            ? $"SELECT {Columns} FROM volumes_transfers ORDER BY created_at DESC, id DESC"
            : $"SELECT {Columns} FROM volumes_transfers WHERE project_id = @projectId ORDER BY created_at DESC, id DESC";
        return (await connection.QueryAsync<TransferRecord>(new CommandDefinition(sql, new { projectId }, cancellationToken: cancellationToken))).ToList();
    }
}
