using System.Data.Common;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Data;
using Dapper;

namespace CloudBox.Telemetry.Indexer;

internal sealed class MetricStore(Database database)
{
    private const string Select =
        "SELECT m.id, m.name, m.unit, m.archive_policy_name, m.resource_id, m.creator, m.creator_project_id, r.project_id AS resource_project_id " +
        "FROM telemetry_metrics m LEFT JOIN telemetry_resources r ON r.id = m.resource_id";

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, MetricRecord metric, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO telemetry_metrics (id, name, unit, archive_policy_name, resource_id, creator, creator_project_id) VALUES (@Id, @Name, @Unit, @ArchivePolicyName, @ResourceId, @Creator, @CreatorProjectId)",
            metric, transaction, cancellationToken: cancellationToken));

    public static async Task DeleteDataAsync(DbConnection connection, DbTransaction transaction, string metricId, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM telemetry_splits WHERE metric_id = @metricId", new { metricId }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM telemetry_unaggregated WHERE metric_id = @metricId", new { metricId }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Inserts a metric; false when the resource already has a metric of that name.</summary>
    public async Task<bool> InsertAsync(MetricRecord metric, CancellationToken cancellationToken)
    {
        try
        {
            await database.InTransactionAsync((connection, transaction) => InsertAsync(connection, transaction, metric, cancellationToken), cancellationToken);
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<MetricRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<MetricRecord>(new CommandDefinition(
            $"{Select} WHERE m.id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<MetricRecord?> FindNamedAsync(string resourceId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<MetricRecord>(new CommandDefinition(
            $"{Select} WHERE m.resource_id = @resourceId AND m.name = @name", new { resourceId, name }, cancellationToken: cancellationToken));
    }

    /// <summary>The metrics with these ids (at most 10,000 ids a call).</summary>
    public async Task<IReadOnlyList<MetricRecord>> FindManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
            return [];
        if (ids.Count > 10_000)
            throw new ArgumentException("Too many metrics in one request.");
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MetricRecord>(new CommandDefinition(
            $"{Select} WHERE {IdList.Sql(database, "m.id", "ids")}", new { ids = IdList.Value(database, ids) }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The metrics of these resources (at most 10,000 resources a call).</summary>
    public async Task<IReadOnlyList<MetricRecord>> ListForResourcesAsync(IReadOnlyCollection<string> resourceIds, CancellationToken cancellationToken)
    {
        if (resourceIds.Count == 0)
            return [];
        var result = new List<MetricRecord>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in resourceIds.Chunk(900))
        {
            var rows = await connection.QueryAsync<MetricRecord>(new CommandDefinition(
                $"{Select} WHERE {IdList.Sql(database, "m.resource_id", "ids")} ORDER BY m.name", new { ids = IdList.Value(database, chunk) }, cancellationToken: cancellationToken));
            result.AddRange(rows);
        }
        return result;
    }

    /// <summary>Metrics the project may see (all for null), by id after <paramref name="marker"/>, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<MetricRecord>> ListAsync(string? project, string? name, string? marker, int limit, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        if (project is not null)
            where.Add("(m.creator_project_id = @project OR r.project_id = @project)");
        if (name is not null)
            where.Add("m.name = @name");
        if (marker is not null)
            where.Add("m.id > @marker");
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MetricRecord>(new CommandDefinition(
            $"{Select} {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY m.id LIMIT @limit",
            new { project, name, marker, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await DeleteDataAsync(connection, transaction, id, cancellationToken);
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM telemetry_metrics WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)) > 0;
        }, cancellationToken);
}
