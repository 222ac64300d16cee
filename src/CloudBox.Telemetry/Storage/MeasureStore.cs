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

    /// <summary>
    /// Aggregates queued batches (up to <see cref="MeasuresPerPass"/> measures) in one transaction;
    /// returns how many measures it took. The pass costs a few statements for all its metrics, not
    /// several per metric: their policies, unaggregated tails and the splits their new buckets fall
    /// in are read with one query per chunk of metrics (and granularity), and what changed is written
    /// back through a handful of prepared statements executed once per row.
    /// </summary>
    public async Task<int> ProcessAsync(CancellationToken cancellationToken)
    {
        try
        {
            var taken = await database.InTransactionAsync(PassAsync, cancellationToken);
            // What the pass deleted counts as done only once it committed.
            if (_retained.Count > MaxRetainedEntries)
                _retained.Clear();
            foreach (var (key, before) in _pendingRetained)
                _retained[key] = before;
            return taken;
        }
        finally
        {
            _pendingRetained.Clear();
        }

        Task<int> PassAsync(DbConnection connection, DbTransaction transaction) => ProcessPassAsync(connection, transaction, cancellationToken);
    }

    private async Task<int> ProcessPassAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
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
        var ids = new List<string>(byMetric.Count);
        foreach (var metric in byMetric.Keys)
            ids.Add(metric.ToString());
        var policyOf = new Dictionary<string, ArchivePolicy>(StringComparer.Ordinal);
        var raws = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(MetricsPerPassQuery))
        {
            var idList = IdList.Value(database, chunk);
            var rows = await connection.QueryAsync<(string Id, string Policy)>(new CommandDefinition(
                $"SELECT id, archive_policy_name FROM telemetry_metrics WHERE {IdList.Sql(database, "id", "ids")}",
                new { ids = idList }, transaction, cancellationToken: cancellationToken));
            foreach (var (id, name) in rows)
            {
                if (await policies.FindAsync(name, cancellationToken) is { } policy)
                    policyOf[id] = policy;
            }
            await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
                $"SELECT metric_id, data FROM telemetry_unaggregated WHERE {IdList.Sql(database, "metric_id", "ids")}",
                new { ids = idList }, transaction, cancellationToken: cancellationToken));
            while (await reader.ReadAsync(cancellationToken))
                raws[reader.GetString(0)] = reader.GetFieldValue<byte[]>(1);
        }

        // Fold every metric's new measures into its tail, and note the splits they touch.
        var updates = new List<(string Id, RawSeries Raw, MetricUpdate Update, IReadOnlyList<(long Granularity, long Start)> Keys)>(byMetric.Count);
        var wantedByGranularity = new Dictionary<long, HashSet<(string, long)>>();
        foreach (var (metric, points) in byMetric)
        {
            var id = metric.ToString();
            // Measures of a metric deleted since are dropped with it.
            if (!policyOf.TryGetValue(id, out var policy))
                continue;
            var raw = raws.TryGetValue(id, out var rawData) ? RawSeries.Decode(rawData) : new RawSeries();
            var update = new MetricUpdate(policy, raw);
            var keys = update.Prepare(points);
            if (keys.Count == 0)
                continue;
            updates.Add((id, raw, update, keys));
            foreach (var (granularity, start) in keys)
            {
                if (!wantedByGranularity.TryGetValue(granularity, out var wanted))
                    wantedByGranularity[granularity] = wanted = [];
                wanted.Add((id, start));
            }
        }
        var loaded = await LoadSplitsAsync(connection, transaction, wantedByGranularity, cancellationToken);

        await using var upsertSplit = Prepared(connection, transaction,
            "INSERT INTO telemetry_splits (metric_id, granularity, split_start, data) VALUES (@metricId, @granularity, @start, @data) " +
            "ON CONFLICT (metric_id, granularity, split_start) DO UPDATE SET data = excluded.data", "metricId", "granularity", "start", "data");
        await using var deleteSplit = Prepared(connection, transaction,
            "DELETE FROM telemetry_splits WHERE metric_id = @metricId AND granularity = @granularity AND split_start = @start", "metricId", "granularity", "start");
        await using var deleteOlder = Prepared(connection, transaction,
            "DELETE FROM telemetry_splits WHERE metric_id = @metricId AND granularity = @granularity AND split_start < @start", "metricId", "granularity", "start");
        await using var upsertRaw = Prepared(connection, transaction,
            "INSERT INTO telemetry_unaggregated (metric_id, data) VALUES (@metricId, @data) ON CONFLICT (metric_id) DO UPDATE SET data = excluded.data", "metricId", "data");
        var splits = new Dictionary<(long, long), SeriesSplit>();
        foreach (var (id, raw, update, keys) in updates)
        {
            splits.Clear();
            foreach (var key in keys)
            {
                if (loaded.TryGetValue((id, key.Granularity, key.Start), out var data))
                    splits[key] = SeriesSplit.Decode(key.Granularity, key.Start, data);
            }
            var cutoffs = update.Apply(splits);
            foreach (var ((granularity, start), split) in splits)
            {
                if (split.IsEmpty)
                    await deleteSplit.ExecuteAsync(cancellationToken, id, granularity, start);
                else
                    await upsertSplit.ExecuteAsync(cancellationToken, id, granularity, start, split.Encode());
            }
            foreach (var (granularity, oldest) in cutoffs)
            {
                // Splits before the retention cutoff's split are deleted once per cutoff this process sees, not on every pass.
                var before = SeriesSplit.SplitStartFor(oldest, granularity);
                if (_retained.TryGetValue((id, granularity), out var done) && done == before)
                    continue;
                await deleteOlder.ExecuteAsync(cancellationToken, id, granularity, before);
                _pendingRetained[(id, granularity)] = before;
            }
            await upsertRaw.ExecuteAsync(cancellationToken, id, raw.Encode());
            foreach (var split in splits.Values)
                split.Dispose();
        }
        var batchIds = batches.Select(b => b.Id).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM telemetry_measure_batches WHERE {database.InList("id", "ids")}", new { ids = batchIds }, transaction, cancellationToken: cancellationToken));
        return (int)total;
    }

    /// <summary>How many metrics one query of a processing pass names at most.</summary>
    private const int MetricsPerPassQuery = 900;

    /// <summary>The retention cutoff (split start) last applied per metric and granularity by a committed pass of this process.</summary>
    private readonly Dictionary<(string, long), long> _retained = [];

    private readonly Dictionary<(string, long), long> _pendingRetained = [];

    /// <summary>Beyond this many remembered cutoffs (metrics deleted since) the memory starts again: a few needless deletes, once.</summary>
    private const int MaxRetainedEntries = 1_000_000;

    /// <summary>The encoded splits named in <paramref name="wanted"/> that exist, keyed by metric, granularity and start.</summary>
    private async Task<Dictionary<(string, long, long), byte[]>> LoadSplitsAsync(DbConnection connection, DbTransaction transaction,
        Dictionary<long, HashSet<(string Id, long Start)>> wanted, CancellationToken cancellationToken)
    {
        var loaded = new Dictionary<(string, long, long), byte[]>();
        foreach (var (granularity, keys) in wanted)
        {
            var byMetric = new Dictionary<string, (long Min, long Max)>(StringComparer.Ordinal);
            foreach (var (id, start) in keys)
                byMetric[id] = byMetric.TryGetValue(id, out var range) ? (Math.Min(range.Min, start), Math.Max(range.Max, start)) : (start, start);
            foreach (var chunk in byMetric.Keys.Chunk(MetricsPerPassQuery))
            {
                var min = long.MaxValue;
                var max = long.MinValue;
                foreach (var id in chunk)
                {
                    min = Math.Min(min, byMetric[id].Min);
                    max = Math.Max(max, byMetric[id].Max);
                }
                await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
                    $"SELECT metric_id, split_start, data FROM telemetry_splits WHERE {IdList.Sql(database, "metric_id", "ids")} AND granularity = @granularity " +
                    "AND split_start >= @min AND split_start <= @max",
                    new { ids = IdList.Value(database, chunk), granularity, min, max }, transaction, cancellationToken: cancellationToken));
                while (await reader.ReadAsync(cancellationToken))
                {
                    var id = reader.GetString(0);
                    var start = reader.GetInt64(1);
                    if (keys.Contains((id, start)))
                        loaded[(id, granularity, start)] = reader.GetFieldValue<byte[]>(2);
                }
            }
        }
        return loaded;
    }

    private static PreparedStatement Prepared(DbConnection connection, DbTransaction transaction, string sql, params string[] parameters) =>
        new(connection, transaction, sql, parameters);

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
