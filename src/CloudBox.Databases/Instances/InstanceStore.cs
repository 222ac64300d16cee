using CloudBox.Core.Api;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Databases.Instances;

/// <summary>The <c>databases_instances</c> table. Lists are paged and scoped in SQL.</summary>
internal sealed class InstanceStore(Database database)
{
    public const int MaxPage = 1000;
    public const int InstancesPerProject = 100;

    private const string Columns =
        "id, project_id, user_id, name, status, step, flavor_id, volume_size, volume_type, version_id, networks, is_public, allowed_cidrs, initial, " +
        "server_id, volume_id, security_group_id, addresses, agent_secret_hash, agent_secret, heartbeat_at, service_status, root_enabled_at, fault, deadline_at, task_id, version, created_at, updated_at";

    private const string Values =
        "@Id, @ProjectId, @UserId, @Name, @Status, @Step, @FlavorId, @VolumeSize, @VolumeType, @VersionId, @Networks, @IsPublic, @AllowedCidrs, @Initial, " +
        "@ServerId, @VolumeId, @SecurityGroupId, @Addresses, @AgentSecretHash, @AgentSecret, @HeartbeatAt, @ServiceStatus, @RootEnabledAt, @Fault, @DeadlineAt, @TaskId, @Version, @CreatedAt, @UpdatedAt";

    /// <summary>Inserts a new instance; 403 when the project already has <see cref="InstancesPerProject"/>.</summary>
    public Task InsertAsync(InstanceRecord instance, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "databases-instances:" + instance.ProjectId);
            var count = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM databases_instances WHERE project_id = @ProjectId", instance, transaction);
            if (count >= InstancesPerProject)
                throw ApiFault.Forbidden($"Quota exceeded for resources: ['instances'] (limit {InstancesPerProject}).");
            await connection.ExecuteAsync($"INSERT INTO databases_instances ({Columns}) VALUES ({Values})", instance, transaction);
        }, cancellationToken);

    public async Task<InstanceRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<InstanceRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM databases_instances WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>A page of a project's instances (every project's for <paramref name="projectId"/> null), oldest first, after <paramref name="marker"/>.</summary>
    public async Task<IReadOnlyList<InstanceRecord>> ListAsync(string? projectId, int limit, InstanceRecord? marker, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var where = new List<string>();
        if (projectId is not null)
            where.Add("project_id = @projectId");
        if (marker is not null)
            where.Add("(created_at > @markerCreated OR (created_at = @markerCreated AND id > @markerId))");
        var sql = $"SELECT {Columns} FROM databases_instances" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                  " ORDER BY created_at, id LIMIT @limit";
        return (await connection.QueryAsync<InstanceRecord>(new CommandDefinition(sql,
            new { projectId, markerCreated = marker?.CreatedAt, markerId = marker?.Id, limit }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Instances the worker has to drive: building, deleting, or waiting on their agent.</summary>
    public async Task<IReadOnlyList<InstanceRecord>> UnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<InstanceRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM databases_instances WHERE step NOT IN ('ready', 'failed') ORDER BY created_at LIMIT 100",
            cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Writes every mutable column of <paramref name="instance"/> if nobody wrote it since it was read; <see cref="StaleInstanceException"/> otherwise.</summary>
    public async Task UpdateAsync(InstanceRecord instance, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var written = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE databases_instances SET name = @Name, status = @Status, step = @Step, flavor_id = @FlavorId, volume_size = @VolumeSize, " +
            "is_public = @IsPublic, allowed_cidrs = @AllowedCidrs, initial = @Initial, server_id = @ServerId, volume_id = @VolumeId, " +
            "security_group_id = @SecurityGroupId, addresses = @Addresses, agent_secret_hash = @AgentSecretHash, agent_secret = @AgentSecret, root_enabled_at = @RootEnabledAt, " +
            "fault = @Fault, deadline_at = @DeadlineAt, task_id = @TaskId, updated_at = @UpdatedAt, version = version + 1 WHERE id = @Id AND version = @Version",
            instance, cancellationToken: cancellationToken));
        if (written == 0)
            throw new StaleInstanceException(instance.Id);
        instance.Version++;
    }

    /// <summary>Reads the instance, applies <paramref name="change"/> and writes it, again from a fresh read if the worker wrote it meanwhile.</summary>
    public async Task<InstanceRecord?> ChangeAsync(string id, Func<InstanceRecord, bool> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var instance = await FindAsync(id, cancellationToken);
            if (instance is null || !change(instance))
                return instance;
            try
            {
                await UpdateAsync(instance, cancellationToken);
                return instance;
            }
            catch (StaleInstanceException) when (attempt < 10)
            {
            }
        }
    }

    /// <summary>Records a heartbeat without touching what the API or the worker write.</summary>
    public async Task HeartbeatAsync(string id, string status, string at, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE databases_instances SET heartbeat_at = @at, service_status = @status WHERE id = @id",
            new { id, status, at }, cancellationToken: cancellationToken));
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM databases_instances WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }
}
