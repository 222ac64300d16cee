using CloudBox.Core.Api;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Databases.Configurations;

/// <summary>A row of <c>databases_configurations</c>: a configuration group of a project for one datastore version, its values as JSON.</summary>
internal sealed class ConfigurationRecord
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string VersionId { get; set; } = "";
    /// <summary>JSON object of parameter names and their checked values (text).</summary>
    public string Parameters { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
    /// <summary>How many instances it is attached to (filled by the reads that count them).</summary>
    public long InstanceCount { get; set; }
}

/// <summary>The <c>databases_configurations</c> and <c>databases_configuration_instances</c> tables.</summary>
internal sealed class ConfigurationStore(Database database)
{
    public const int MaxPage = 1000;
    public const int PerProject = 100;

    private const string Columns = "id, project_id, name, description, version_id, parameters, created_at, updated_at";
    private const string Select =
        "SELECT c.id, c.project_id, c.name, c.description, c.version_id, c.parameters, c.created_at, c.updated_at, " +
        "(SELECT COUNT(*) FROM databases_configuration_instances a WHERE a.configuration_id = c.id) AS instance_count FROM databases_configurations c";

    public Task InsertAsync(ConfigurationRecord record, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "databases-configurations:" + record.ProjectId);
            var count = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM databases_configurations WHERE project_id = @ProjectId", record, transaction);
            if (count >= PerProject)
                throw ApiFault.Forbidden($"Quota exceeded for resources: ['configurations'] (limit {PerProject}).");
            await connection.ExecuteAsync($"INSERT INTO databases_configurations ({Columns}) VALUES (@Id, @ProjectId, @Name, @Description, @VersionId, @Parameters, @CreatedAt, @UpdatedAt)", record, transaction);
        }, cancellationToken);

    public async Task<ConfigurationRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ConfigurationRecord>(new CommandDefinition($"{Select} WHERE c.id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>A page of a project's groups, oldest first, after <paramref name="marker"/>.</summary>
    public async Task<IReadOnlyList<ConfigurationRecord>> ListAsync(string projectId, int limit, ConfigurationRecord? marker, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = $"{Select} WHERE c.project_id = @projectId" +
                  (marker is null ? "" : " AND (c.created_at > @markerCreated OR (c.created_at = @markerCreated AND c.id > @markerId))") +
                  " ORDER BY c.created_at, c.id LIMIT @limit";
        return (await connection.QueryAsync<ConfigurationRecord>(new CommandDefinition(sql,
            new { projectId, markerCreated = marker?.CreatedAt, markerId = marker?.Id, limit }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task UpdateAsync(ConfigurationRecord record, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE databases_configurations SET name = @Name, description = @Description, parameters = @Parameters, updated_at = @UpdatedAt WHERE id = @Id",
            record, cancellationToken: cancellationToken));
    }

    /// <summary>Deletes a group attached to no instance; false when it is attached.</summary>
    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "databases-configuration:" + id);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM databases_configuration_instances WHERE configuration_id = @id", new { id }, transaction) > 0)
                return false;
            await connection.ExecuteAsync("DELETE FROM databases_configurations WHERE id = @id", new { id }, transaction);
            return true;
        }, cancellationToken);

    /// <summary>The instance ids a group is attached to, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<string>> InstancesAsync(string configurationId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT instance_id FROM databases_configuration_instances WHERE configuration_id = @configurationId ORDER BY attached_at, instance_id LIMIT @limit",
            new { configurationId, limit }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>The group attached to an instance, if any.</summary>
    public async Task<ConfigurationRecord?> ForInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ConfigurationRecord>(new CommandDefinition(
            $"{Select} WHERE c.id = (SELECT configuration_id FROM databases_configuration_instances WHERE instance_id = @instanceId)",
            new { instanceId }, cancellationToken: cancellationToken));
    }

    /// <summary>Every attachment of a project's groups: instance id to (group id, group name).</summary>
    public async Task<IReadOnlyDictionary<string, (string Id, string Name)>> AttachmentsAsync(string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string InstanceId, string Id, string Name)>(new CommandDefinition(
            "SELECT a.instance_id, c.id, c.name FROM databases_configuration_instances a JOIN databases_configurations c ON c.id = a.configuration_id" +
            (projectId is null ? "" : " WHERE c.project_id = @projectId") + " LIMIT 10000",
            new { projectId }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.InstanceId, r => (r.Id, r.Name));
    }

    /// <summary>Attaches (or re-attaches) a group to an instance.</summary>
    public async Task AttachAsync(string instanceId, string configurationId, string at, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            // The same lock as a delete of the group: a group is never deleted while an attach to it commits.
            await database.LockAsync(connection, transaction, "databases-configuration:" + configurationId);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM databases_configurations WHERE id = @configurationId", new { configurationId }, transaction) == 0)
                throw ApiFault.NotFound($"Configuration group {configurationId} cannot be found.");
            await connection.ExecuteAsync("DELETE FROM databases_configuration_instances WHERE instance_id = @instanceId", new { instanceId }, transaction);
            await connection.ExecuteAsync("INSERT INTO databases_configuration_instances (instance_id, configuration_id, attached_at) VALUES (@instanceId, @configurationId, @at)",
                new { instanceId, configurationId, at }, transaction);
            return true;
        }, cancellationToken);
    }

    public async Task DetachAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM databases_configuration_instances WHERE instance_id = @instanceId", new { instanceId }, cancellationToken: cancellationToken));
    }
}
