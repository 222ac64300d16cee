using System.Data.Common;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Telemetry.Indexer;

/// <summary>Resources and, in the same transactions, the metrics created with them.</summary>
internal sealed class ResourceStore(Database database)
{
    /// <summary>The most resources one search considers; filters beyond SQL's run over at most this many rows.</summary>
    public const int MaxCandidates = 50_000;

    private const string Columns =
        "id, type, original_resource_id, project_id, user_id, creator, creator_project_id, started_at, ended_at, revision_start, attributes";

    public async Task<bool> InsertAsync(ResourceRecord resource, IReadOnlyList<MetricRecord> metrics, CancellationToken cancellationToken)
    {
        try
        {
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    $"INSERT INTO telemetry_resources ({Columns}) VALUES (@Id, @Type, @OriginalResourceId, @ProjectId, @UserId, @Creator, @CreatorProjectId, @StartedAt, @EndedAt, @RevisionStart, @Attributes)",
                    resource, transaction, cancellationToken: cancellationToken));
                foreach (var metric in metrics)
                    await MetricStore.InsertAsync(connection, transaction, metric, cancellationToken);
            }, cancellationToken);
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<ResourceRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ResourceRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM telemetry_resources WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Resources of <paramref name="type"/> (every type for <c>generic</c>) the project may see
    /// (all when <paramref name="project"/> is null), oldest revision first, at most <see cref="MaxCandidates"/>.
    /// </summary>
    public async Task<IReadOnlyList<ResourceRecord>> ListAsync(string type, string? project, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var where = new List<string>();
        if (type != "generic")
            where.Add("type = @type");
        if (project is not null)
            where.Add("(project_id = @project OR creator_project_id = @project)");
        var sql = $"SELECT {Columns} FROM telemetry_resources {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY revision_start, id LIMIT {MaxCandidates}";
        var rows = await connection.QueryAsync<ResourceRecord>(new CommandDefinition(sql, new { type, project }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task UpdateAsync(ResourceRecord resource, IReadOnlyList<MetricRecord> newMetrics, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE telemetry_resources SET project_id = @ProjectId, user_id = @UserId, started_at = @StartedAt, ended_at = @EndedAt, revision_start = @RevisionStart, attributes = @Attributes WHERE id = @Id",
                resource, transaction, cancellationToken: cancellationToken));
            foreach (var metric in newMetrics)
                await MetricStore.InsertAsync(connection, transaction, metric, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Deletes the resource and its metrics with their stored measures; returns the deleted metric ids.</summary>
    public async Task<IReadOnlyList<string>?> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await database.InTransactionAsync<IReadOnlyList<string>?>(async (connection, transaction) =>
        {
            var metricIds = (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT id FROM telemetry_metrics WHERE resource_id = @id", new { id }, transaction, cancellationToken: cancellationToken))).AsList();
            foreach (var metricId in metricIds)
                await MetricStore.DeleteDataAsync(connection, transaction, metricId, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM telemetry_metrics WHERE resource_id = @id", new { id }, transaction, cancellationToken: cancellationToken));
            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM telemetry_resources WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
            return deleted == 0 ? null : metricIds;
        }, cancellationToken);

    public static Task<int> CountAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COUNT(*) FROM telemetry_resources", cancellationToken: cancellationToken));
}
