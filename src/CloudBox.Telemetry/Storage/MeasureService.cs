using CloudBox.Core.Api;
using CloudBox.Telemetry.Indexer;

namespace CloudBox.Telemetry.Storage;

/// <summary>Accepts measures (queued durably, then aggregated) and reads aggregates back, resampled if asked.</summary>
internal sealed class MeasureService(MeasureStore store, MeasureSignal signal, MeasureProcessor processor, ArchivePolicyStore policies)
{
    /// <summary>Queues measures durably (they are acknowledged once this returns) and wakes the processor.</summary>
    public async Task AddAsync(IReadOnlyDictionary<Guid, List<MeasurePoint>> measures, CancellationToken cancellationToken)
    {
        await store.EnqueueAsync(measures, cancellationToken);
        signal.Notify();
    }

    /// <summary>
    /// Queues a collector's poll durably without waking the processor: it is aggregated with the
    /// next polls within the processing delay (or sooner, with measures pushed through the API).
    /// </summary>
    public Task AddCollectedAsync(IReadOnlyDictionary<Guid, List<MeasurePoint>> measures, CancellationToken cancellationToken) =>
        store.EnqueueAsync(measures, cancellationToken);

    public Task RefreshAsync(CancellationToken cancellationToken) => processor.DrainAsync(cancellationToken);

    public async Task<ArchivePolicy> PolicyOfAsync(MetricRecord metric, CancellationToken cancellationToken) =>
        await policies.FindAsync(metric.ArchivePolicyName, cancellationToken)
            ?? throw ApiFault.NotFound($"Archive policy {metric.ArchivePolicyName} does not exist");

    /// <summary>
    /// Aggregates of <paramref name="aggregation"/>, coarsest granularity first (only
    /// <paramref name="granularity"/> when given), each oldest first.
    /// </summary>
    public async Task<List<(long Granularity, List<MeasurePoint> Points)>> ReadAsync(
        MetricRecord metric, string aggregation, long? start, long? stop, long? granularity, long? resample, bool refresh, CancellationToken cancellationToken)
    {
        var policy = await PolicyOfAsync(metric, cancellationToken);
        if (!policy.HasMethod(aggregation))
            throw ApiFault.NotFound($"Aggregation method '{aggregation}' for metric {metric.Id} does not exist");
        if (resample is not null && granularity is null)
            throw ApiFault.BadRequest("A granularity must be specified to resample");
        var items = new List<ArchivePolicyItem>();
        if (granularity is { } g)
        {
            items.Add(policy.ItemFor(g)
                ?? throw ApiFault.NotFound($"Aggregation method '{aggregation}' at granularity '{GnocchiTimeSeconds(g)}' for metric {metric.Id} does not exist"));
        }
        else
        {
            items.AddRange(policy.Definition.OrderByDescending(i => i.GranularityNs));
        }
        if (refresh)
            await processor.DrainAsync(cancellationToken);
        var result = new List<(long, List<MeasurePoint>)>();
        foreach (var item in items)
        {
            var points = await store.ReadAsync(metric.Id, item, aggregation, start, stop, cancellationToken);
            if (resample is { } span)
                result.Add((span, Resample(points, span, aggregation)));
            else
                result.Add((item.GranularityNs, points));
        }
        return result;
    }

    /// <summary>
    /// The aggregates at <paramref name="granularity"/> of many metrics at once (the aggregates API's
    /// series), in the order of <paramref name="series"/>; each metric's policy has that granularity
    /// and method (the caller checked).
    /// </summary>
    public Task<List<MeasurePoint>[]> ReadManyAsync(IReadOnlyList<(MetricRecord Metric, ArchivePolicy Policy, string Aggregation)> series, long granularity, long? start, long? stop, CancellationToken cancellationToken)
    {
        var reads = new SeriesRead[series.Count];
        for (var i = 0; i < series.Count; i++)
        {
            var (metric, policy, aggregation) = series[i];
            var item = policy.ItemFor(granularity) ?? throw new ArgumentException($"Metric {metric.Id} has no granularity {granularity}.", nameof(series));
            reads[i] = new SeriesRead(metric.Id, item, aggregation);
        }
        return store.ReadManyAsync(reads, granularity, start, stop, cancellationToken);
    }

    private static double GnocchiTimeSeconds(long nanos) => nanos / (double)ArchivePolicy.NanosPerSecond;

    /// <summary>Re-aggregates a series into coarser buckets with the same method (a rate's base method).</summary>
    public static List<MeasurePoint> Resample(List<MeasurePoint> points, long span, string aggregation)
    {
        var method = AggregationMethod.Parse(aggregation.StartsWith("rate:", StringComparison.Ordinal) ? aggregation[5..] : aggregation);
        var result = new List<MeasurePoint>();
        var values = new List<double>();
        var scratch = new double[Math.Max(16, points.Count)];
        long? bucket = null;
        foreach (var point in points)
        {
            var b = SeriesSplit.Round(point.Timestamp, span);
            if (bucket is not null && b != bucket)
            {
                Flush();
                values.Clear();
            }
            bucket = b;
            values.Add(point.Value);
        }
        if (bucket is not null)
            Flush();
        return result;

        void Flush()
        {
            var value = method.Compute(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values), scratch);
            if (!double.IsNaN(value))
                result.Add(new MeasurePoint(bucket!.Value, value));
        }
    }
}
