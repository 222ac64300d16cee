using System.Data.Common;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Data;
using CloudBox.Telemetry.Indexer;
using Dapper;

namespace CloudBox.Telemetry.Storage;

/// <summary>
/// The measures' storage: the queue acknowledged measures are committed to before the API
/// answers 202, and the per-metric unaggregated tail and aggregate splits the processor folds
/// them into. Processing a set of queued batches and deleting them is one transaction, so a
/// crash at any point leaves each measure either queued or aggregated, never lost or doubled.
/// </summary>
internal sealed class MeasureStore(Database database, ArchivePolicyStore policies)
{
    /// <summary>How many queued measures one processing transaction takes at most.</summary>
    public const int MeasuresPerPass = 200_000;

    public async Task EnqueueAsync(IReadOnlyDictionary<Guid, List<MeasurePoint>> measures, CancellationToken cancellationToken)
    {
        var payload = MeasureBatch.Encode(measures, out var count);
        if (count == 0)
            return;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO telemetry_measure_batches (metrics, measures, payload) VALUES (@metrics, @count, @payload)",
            new { metrics = measures.Count, count, payload }, cancellationToken: cancellationToken));
    }

    /// <summary>Measures and metric entries still queued, for <c>/v1/status</c>.</summary>
    public async Task<(long Metrics, long Measures)> BacklogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "SELECT COALESCE(SUM(metrics), 0), COALESCE(SUM(measures), 0) FROM telemetry_measure_batches", cancellationToken: cancellationToken));
        return row;
    }

    private sealed class BatchRow
    {
        public long Id { get; set; }
        public long Measures { get; set; }
        public byte[] Payload { get; set; } = [];
    }

    private sealed class SplitRow
    {
        public long Granularity { get; set; }
        public long SplitStart { get; set; }
        public byte[] Data { get; set; } = [];
    }

    /// <summary>Aggregates queued batches (up to <see cref="MeasuresPerPass"/> measures) in one transaction; returns how many measures it took.</summary>
    public Task<int> ProcessAsync(CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "telemetry-measure-processing");
            var batches = new List<BatchRow>();
            var total = 0L;
            var candidates = await connection.QueryAsync<BatchRow>(new CommandDefinition(
                "SELECT id, measures, payload FROM telemetry_measure_batches ORDER BY id LIMIT 256", transaction: transaction, cancellationToken: cancellationToken));
            foreach (var batch in candidates)
            {
                if (batches.Count > 0 && total + batch.Measures > MeasuresPerPass)
                    break;
                batches.Add(batch);
                total += batch.Measures;
            }
            if (batches.Count == 0)
                return 0;
            var byMetric = new Dictionary<Guid, List<MeasurePoint>>();
            foreach (var batch in batches)
                MeasureBatch.Decode(batch.Payload, byMetric);
            var ids = byMetric.Keys.Select(k => k.ToString()).ToArray();
            var policyOf = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var chunk in ids.Chunk(900))
            {
                var rows = await connection.QueryAsync<(string Id, string Policy)>(new CommandDefinition(
                    $"SELECT id, archive_policy_name FROM telemetry_metrics WHERE {IdList.Sql(database, "id", "ids")}",
                    new { ids = IdList.Value(database, chunk) }, transaction, cancellationToken: cancellationToken));
                foreach (var (id, policy) in rows)
                    policyOf[id] = policy;
            }
            foreach (var (metric, points) in byMetric)
            {
                var id = metric.ToString();
                // Measures of a metric deleted since are dropped with it.
                if (!policyOf.TryGetValue(id, out var policyName) || await policies.FindAsync(policyName, cancellationToken) is not { } policy)
                    continue;
                await AggregateAsync(connection, transaction, id, policy, points, cancellationToken);
            }
            var batchIds = batches.Select(b => b.Id).ToArray();
            await connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM telemetry_measure_batches WHERE {database.InList("id", "ids")}", new { ids = batchIds }, transaction, cancellationToken: cancellationToken));
            return (int)total;
        }, cancellationToken);

    private static async Task AggregateAsync(DbConnection connection, DbTransaction transaction, string metricId, ArchivePolicy policy, List<MeasurePoint> points, CancellationToken cancellationToken)
    {
        var rawData = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT data FROM telemetry_unaggregated WHERE metric_id = @metricId", new { metricId }, transaction, cancellationToken: cancellationToken));
        var raw = rawData is null ? new RawSeries() : RawSeries.Decode(rawData);
        var update = new MetricUpdate(policy, raw);
        var keys = update.Prepare(points);
        if (keys.Count == 0)
            return;
        var splits = new Dictionary<(long, long), SeriesSplit>();
        foreach (var group in keys.GroupBy(k => k.Granularity))
        {
            var starts = group.Select(k => k.Start).ToArray();
            var rows = await connection.QueryAsync<SplitRow>(new CommandDefinition(
                $"SELECT granularity, split_start, data FROM telemetry_splits WHERE metric_id = @metricId AND granularity = @granularity AND split_start >= @min AND split_start <= @max",
                new { metricId, granularity = group.Key, min = starts.Min(), max = starts.Max() }, transaction, cancellationToken: cancellationToken));
            foreach (var row in rows)
            {
                if (starts.Contains(row.SplitStart))
                    splits[(row.Granularity, row.SplitStart)] = SeriesSplit.Decode(row.Granularity, row.SplitStart, row.Data);
            }
        }
        var cutoffs = update.Apply(splits);
        foreach (var ((granularity, start), split) in splits)
        {
            if (split.IsEmpty)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM telemetry_splits WHERE metric_id = @metricId AND granularity = @granularity AND split_start = @start",
                    new { metricId, granularity, start }, transaction, cancellationToken: cancellationToken));
                continue;
            }
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO telemetry_splits (metric_id, granularity, split_start, data) VALUES (@metricId, @granularity, @start, @data) " +
                "ON CONFLICT (metric_id, granularity, split_start) DO UPDATE SET data = excluded.data",
                new { metricId, granularity, start, data = split.Encode() }, transaction, cancellationToken: cancellationToken));
        }
        foreach (var (granularity, oldest) in cutoffs)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM telemetry_splits WHERE metric_id = @metricId AND granularity = @granularity AND split_start < @before",
                new { metricId, granularity, before = SeriesSplit.SplitStartFor(oldest, granularity) }, transaction, cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO telemetry_unaggregated (metric_id, data) VALUES (@metricId, @data) ON CONFLICT (metric_id) DO UPDATE SET data = excluded.data",
            new { metricId, data = raw.Encode() }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>How many metrics one split query names at most (a batched read takes several).</summary>
    public const int MetricsPerQuery = 250;

    /// <summary>
    /// The aggregates of one granularity and method from <paramref name="start"/> (rounded down
    /// to the granularity, included) to <paramref name="stop"/> (excluded), oldest first, within
    /// the policy's retention.
    /// </summary>
    public async Task<List<MeasurePoint>> ReadAsync(string metricId, ArchivePolicyItem item, string method, long? start, long? stop, CancellationToken cancellationToken) =>
        (await ReadManyAsync([new SeriesRead(metricId, item, method)], item.GranularityNs, start, stop, cancellationToken))[0];

    /// <summary>
    /// <see cref="ReadAsync"/> for many series of one granularity at once: the splits of up to
    /// <see cref="MetricsPerQuery"/> metrics a query (not one query per metric), each split's
    /// values read in place for the one method wanted. The result is in the order of <paramref name="series"/>.
    /// </summary>
    public async Task<List<MeasurePoint>[]> ReadManyAsync(IReadOnlyList<SeriesRead> series, long granularity, long? start, long? stop, CancellationToken cancellationToken)
    {
        var result = new List<MeasurePoint>[series.Count];
        var wanted = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < series.Count; i++)
        {
            result[i] = [];
            if (series[i].Item.GranularityNs != granularity)
                throw new ArgumentException("Every series of a batched read has the read's granularity.", nameof(series));
            if (!wanted.TryGetValue(series[i].MetricId, out var indexes))
                wanted[series[i].MetricId] = indexes = [];
            indexes.Add(i);
        }
        if (series.Count == 0)
            return result;
        var from = start is { } s ? SeriesSplit.Round(s, granularity) : long.MinValue;
        var to = stop ?? long.MaxValue;
        var min = from == long.MinValue ? long.MinValue : SeriesSplit.SplitStartFor(from, granularity);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = new List<(long Start, byte[] Data)>();
        foreach (var chunk in wanted.Keys.Chunk(MetricsPerQuery))
        {
            await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
                $"SELECT metric_id, split_start, data FROM telemetry_splits WHERE {IdList.Sql(database, "metric_id", "ids")} AND granularity = @granularity " +
                "AND split_start >= @min AND split_start < @to ORDER BY metric_id, split_start",
                new { ids = IdList.Value(database, chunk), granularity, min, to }, cancellationToken: cancellationToken));
            string? current = null;
            while (await reader.ReadAsync(cancellationToken))
            {
                var metricId = reader.GetString(0);
                if (metricId != current)
                {
                    if (current is not null)
                        Collect(current);
                    current = metricId;
                    rows.Clear();
                }
                rows.Add((reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)));
            }
            if (current is not null)
                Collect(current);
            rows.Clear();
        }
        return result;

        // One metric's splits (oldest first) into each series that reads it.
        void Collect(string metricId)
        {
            long? last = null;
            for (var i = rows.Count - 1; i >= 0 && last is null; i--)
                last = SeriesSplit.LastBucketEncoded(granularity, rows[i].Start, rows[i].Data);
            foreach (var index in wanted[metricId])
            {
                var read = series[index];
                var oldest = last is { } l ? l - read.Item.TimespanNs + granularity : long.MinValue;
                foreach (var (splitStart, data) in rows)
                    SeriesSplit.ReadEncoded(granularity, splitStart, data, read.Method, from, to, oldest, result[index]);
            }
        }
    }

    /// <summary>Bytes stored for aggregates and unaggregated tails, for the benchmark's bytes per measure.</summary>
    public async Task<long> StoredBytesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var length = database.Engine == DatabaseEngine.Postgres ? "octet_length" : "length";
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COALESCE((SELECT SUM({length}(data)) FROM telemetry_splits), 0) + COALESCE((SELECT SUM({length}(data)) FROM telemetry_unaggregated), 0)",
            cancellationToken: cancellationToken));
    }
}
