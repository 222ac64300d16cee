using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Backups;

/// <summary>The <c>volumes_backups</c> table. Status changes are compare-and-set.</summary>
public sealed class BackupStore(Database database)
{
    public const string Columns =
        "id, project_id, user_id, volume_id, name, description, status, size_gb, restore_volume_id, fail_reason, created_at, updated_at, " +
        "backend, container, object_prefix, object_count, parent_id, snapshot_id, data_timestamp";

    public const string Values =
        "@Id, @ProjectId, @UserId, @VolumeId, @Name, @Description, @Status, @SizeGb, @RestoreVolumeId, @FailReason, @CreatedAt, @UpdatedAt, " +
        "@Backend, @Container, @ObjectPrefix, @ObjectCount, @ParentId, @SnapshotId, @DataTimestamp";

    public Database Database => database;

    public async Task<BackupRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BackupRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_backups WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<BackupRecord>> ListAsync(string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = projectId is null
            ? $"SELECT {Columns} FROM volumes_backups ORDER BY created_at DESC, id DESC"
            : $"SELECT {Columns} FROM volumes_backups WHERE project_id = @projectId ORDER BY created_at DESC, id DESC";
        return (await connection.QueryAsync<BackupRecord>(new CommandDefinition(sql, new { projectId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<IReadOnlyList<BackupRecord>> ListByStatusAsync(string[] statuses, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<BackupRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_backups WHERE {database.InList("status", "statuses")}", new { statuses }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task InsertAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"INSERT INTO volumes_backups ({Columns}) VALUES ({Values})", backup, cancellationToken: cancellationToken));
    }

    /// <summary>Writes status, restore target and failure if the status is still <paramref name="expectedStatus"/>.</summary>
    public async Task<bool> UpdateAsync(BackupRecord backup, string expectedStatus, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(backup);
        parameters.Add("expectedStatus", expectedStatus);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes_backups SET name = @Name, description = @Description, status = @Status, restore_volume_id = @RestoreVolumeId, " +
            "fail_reason = @FailReason, object_count = @ObjectCount, updated_at = @UpdatedAt WHERE id = @Id AND status = @expectedStatus", parameters, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The ids of backups that incremental backups build on (for <c>has_dependent_backups</c>).</summary>
    public async Task<HashSet<string>> ParentIdsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT parent_id FROM volumes_backups WHERE parent_id IS NOT NULL", cancellationToken: cancellationToken))).ToHashSet();
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM volumes_backups WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }
}
