using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Snapshots;

/// <summary>The <c>volumes_snapshots</c> table.</summary>
public sealed class SnapshotStore(Database database)
{
    public const string Columns = "id, project_id, user_id, volume_id, name, description, status, size_gb, metadata, created_at, updated_at";
    public const string Values = "@Id, @ProjectId, @UserId, @VolumeId, @Name, @Description, @Status, @SizeGb, @Metadata, @CreatedAt, @UpdatedAt";

    public Database Database => database;

    public async Task<SnapshotRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SnapshotRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_snapshots WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<SnapshotRecord>> ListAsync(string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = projectId is null
            ? $"SELECT {Columns} FROM volumes_snapshots ORDER BY created_at DESC, id DESC"
            : $"SELECT {Columns} FROM volumes_snapshots WHERE project_id = @projectId ORDER BY created_at DESC, id DESC";
        return (await connection.QueryAsync<SnapshotRecord>(new CommandDefinition(sql, new { projectId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<IReadOnlyList<SnapshotRecord>> ListForVolumeAsync(string volumeId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<SnapshotRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_snapshots WHERE volume_id = @volumeId", new { volumeId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<IReadOnlyList<SnapshotRecord>> ListByStatusAsync(string[] statuses, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<SnapshotRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_snapshots WHERE {database.InList("status", "statuses")}", new { statuses }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<bool> UpdateAsync(SnapshotRecord snapshot, string expectedStatus, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(snapshot);
        parameters.Add("expectedStatus", expectedStatus);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes_snapshots SET name = @Name, description = @Description, status = @Status, metadata = @Metadata, updated_at = @UpdatedAt " +
            "WHERE id = @Id AND status = @expectedStatus", parameters, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM volumes_snapshots WHERE id = @id", new { id }, cancellationToken: cancellationToken)) == 1;
    }
}
