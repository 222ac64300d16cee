using CloudBox.Core.Api;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Databases.Backups;

/// <summary>The <c>databases_backups</c> table. Lists are paged, filtered and scoped in SQL.</summary>
internal sealed class BackupStore(Database database)
{
    public const int MaxPage = 1000;
    public const int BackupsPerProject = 50;

    private const string Columns =
        "id, project_id, user_id, instance_id, version_id, name, description, status, size, checksum, location_ref, task_id, fault, created_at, updated_at";

    /// <summary>Inserts a new backup; 413 (Trove's over-limit) when the project already has <see cref="BackupsPerProject"/>.</summary>
    public Task InsertAsync(BackupRecord backup, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "databases-backups:" + backup.ProjectId);
            var count = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM databases_backups WHERE project_id = @ProjectId", backup, transaction);
            if (count >= BackupsPerProject)
                throw ApiFault.RequestTooLarge($"Quota exceeded for resources: ['backups'] (limit {BackupsPerProject}).");
            await connection.ExecuteAsync(
                $"INSERT INTO databases_backups ({Columns}) VALUES (@Id, @ProjectId, @UserId, @InstanceId, @VersionId, @Name, @Description, @Status, @Size, @Checksum, @LocationRef, @TaskId, @Fault, @CreatedAt, @UpdatedAt)",
                backup, transaction);
        }, cancellationToken);

    public async Task<BackupRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BackupRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM databases_backups WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>A page of backups (a project's, or every project's for null), oldest first after <paramref name="marker"/>, optionally of one instance or datastore version set.</summary>
    public async Task<IReadOnlyList<BackupRecord>> ListAsync(string? projectId, string? instanceId, IReadOnlyList<string>? versionIds, int limit, BackupRecord? marker, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var where = new List<string>();
        if (projectId is not null)
            where.Add("project_id = @projectId");
        if (instanceId is not null)
            where.Add("instance_id = @instanceId");
        if (versionIds is not null)
            where.Add(versionIds.Count == 0 ? "1 = 0" : "version_id IN (" + string.Join(", ", versionIds.Select((_, i) => "@v" + i)) + ")");
        if (marker is not null)
            where.Add("(created_at > @markerCreated OR (created_at = @markerCreated AND id > @markerId))");
        var parameters = new DynamicParameters(new { projectId, instanceId, markerCreated = marker?.CreatedAt, markerId = marker?.Id, limit });
        for (var i = 0; i < (versionIds?.Count ?? 0); i++)
            parameters.Add("v" + i, versionIds![i]);
        var sql = $"SELECT {Columns} FROM databases_backups" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                  " ORDER BY created_at, id LIMIT @limit";
        return (await connection.QueryAsync<BackupRecord>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Backups the worker has to drive (NEW, BUILDING), a bounded batch.</summary>
    public async Task<IReadOnlyList<BackupRecord>> UnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<BackupRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM databases_backups WHERE status IN ('NEW', 'BUILDING') ORDER BY created_at LIMIT 100",
            cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Whether the instance has a backup in progress.</summary>
    public async Task<bool> RunningForInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM databases_backups WHERE instance_id = @instanceId AND status IN ('NEW', 'BUILDING')",
            new { instanceId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Writes the mutable columns when the status is still <paramref name="expectedStatus"/>; false when another writer moved it on.</summary>
    public async Task<bool> UpdateAsync(BackupRecord backup, string expectedStatus, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE databases_backups SET status = @Status, size = @Size, checksum = @Checksum, task_id = @TaskId, fault = @Fault, updated_at = @UpdatedAt " +
            "WHERE id = @Id AND status = @expectedStatus",
            new { backup.Status, backup.Size, backup.Checksum, backup.TaskId, backup.Fault, backup.UpdatedAt, backup.Id, expectedStatus },
            cancellationToken: cancellationToken)) > 0;
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM databases_backups WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }
}
