using System.Text;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Data;
using CloudBox.Telemetry.Storage;
using Dapper;

namespace CloudBox.Telemetry.Usage;

/// <summary>
/// The usage report's SQL: which of a project's resources lived in a period, with the metrics of
/// the report's meters (the filters, the count and the bound in SQL), and one metric's stored
/// aggregate splits of one granularity over a time range, streamed split by split.
/// </summary>
internal sealed class UsageStore(Database database)
{
    /// <summary>A metric of a resource of the project that lived in the period.</summary>
    internal sealed class MeteredMetric
    {
        public string ResourceId { get; set; } = "";
        public string ResourceType { get; set; } = "";
        public string StartedAt { get; set; } = "";
        public string? EndedAt { get; set; }
        public string MetricId { get; set; } = "";
        public string Name { get; set; } = "";
        public string ArchivePolicyName { get; set; } = "";
    }

    private sealed class SplitRow
    {
        public string MetricId { get; set; } = "";
        public long SplitStart { get; set; }
        public byte[] Data { get; set; } = [];
    }

    /// <summary>
    /// <c>r.project_id = @project</c>, alive in [@start, @end) (instants in the index's
    /// spelling, which sorts as text), and one of the report's (type, metric) pairs.
    /// </summary>
    private static readonly string Where = BuildWhere();

    private static string BuildWhere()
    {
        var meters = new StringBuilder();
        foreach (var meter in UsageMeter.All)
        {
            if (meters.Length > 0)
                meters.Append(" OR ");
            // Constants of this module, never input.
            meters.Append("(r.type = '").Append(meter.ResourceType).Append("' AND m.name = '").Append(meter.Metric).Append("')");
        }
        return "FROM telemetry_resources r JOIN telemetry_metrics m ON m.resource_id = r.id " +
            "WHERE r.project_id = @project AND r.started_at < @end AND (r.ended_at IS NULL OR r.ended_at > @start) AND (" + meters + ")";
    }

    /// <summary>How many resources of the project have a metered metric in the period.</summary>
    public async Task<long> CountResourcesAsync(string project, string start, string end, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(DISTINCT r.id) " + Where, new { project, start, end }, cancellationToken: cancellationToken));
    }

    /// <summary>The metered metrics of the project's resources alive in the period, by resource, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<MeteredMetric>> ListMetricsAsync(string project, string start, string end, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MeteredMetric>(new CommandDefinition(
            "SELECT r.id AS ResourceId, r.type AS ResourceType, r.started_at AS StartedAt, r.ended_at AS EndedAt, " +
            "m.id AS MetricId, m.name AS Name, m.archive_policy_name AS ArchivePolicyName " + Where +
            " ORDER BY r.id, m.name LIMIT @limit",
            new { project, start, end, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// Per metric and granularity, the start of its newest split (what retention is counted back
    /// from), for <paramref name="metricIds"/>, grouped in SQL.
    /// </summary>
    public async Task<Dictionary<(string MetricId, long Granularity), long>> NewestSplitsAsync(IReadOnlyList<string> metricIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, long), long>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in metricIds.Chunk(900))
        {
            var rows = await connection.QueryAsync<(string MetricId, long Granularity, long Newest)>(new CommandDefinition(
                $"SELECT metric_id, granularity, MAX(split_start) FROM telemetry_splits WHERE {IdList.Sql(database, "metric_id", "ids")} GROUP BY metric_id, granularity",
                new { ids = IdList.Value(database, chunk) }, cancellationToken: cancellationToken));
            foreach (var (metricId, granularity, newest) in rows)
                result[(metricId, granularity)] = newest;
        }
        return result;
    }

    /// <summary>
    /// The splits of <paramref name="granularity"/> of <paramref name="metricIds"/> holding buckets
    /// in [<paramref name="from"/>, <paramref name="to"/>), by metric and oldest first, decoded one at a time.
    /// </summary>
    public async IAsyncEnumerable<(string MetricId, SeriesSplit Split)> ReadSplitsAsync(IReadOnlyList<string> metricIds, long granularity, long from, long to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var min = SeriesSplit.SplitStartFor(SeriesSplit.Round(from, granularity), granularity);
        var rows = connection.QueryUnbufferedAsync<SplitRow>(
            "SELECT metric_id AS MetricId, split_start AS SplitStart, data AS Data FROM telemetry_splits " +
            $"WHERE {IdList.Sql(database, "metric_id", "ids")} AND granularity = @granularity AND split_start >= @min AND split_start < @to ORDER BY metric_id, split_start",
            new { ids = IdList.Value(database, metricIds), granularity, min, to });
        await foreach (var row in rows.WithCancellation(cancellationToken))
            yield return (row.MetricId, SeriesSplit.Decode(granularity, row.SplitStart, row.Data));
    }
}
