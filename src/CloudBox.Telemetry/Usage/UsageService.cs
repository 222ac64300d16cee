using CloudBox.Core.Api;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Usage;

/// <summary>
/// Computes a project's usage report from the stored aggregates. The store picks, in SQL, the
/// project's resources alive in the period with the report's meters (bounded by
/// <see cref="TelemetrySettings.UsageMaxResources"/>); each metric is then read at the finest granularity its archive
/// policy still holds for the whole period (at most <see cref="MaxBucketsPerMetric"/> buckets,
/// merged coarser beyond that), one split at a time, and integrated: a gauge into value × hours
/// within the resource's life, a counter into its increase across resets.
/// </summary>
internal sealed class UsageService(UsageStore store, ArchivePolicyStore policies, MeasureProcessor processor, TelemetrySettings settings, TimeProvider clock)
{
    /// <summary>The most buckets read per metric; a finer series is merged into coarser buckets.</summary>
    public const long MaxBucketsPerMetric = 100_000;

    /// <summary>How far before the period a metric is read, for the reading a counter's first rise starts from and the gauge value the period opens with.</summary>
    public static readonly long LookbackNanos = 15 * 60 * ArchivePolicy.NanosPerSecond;


    public async Task<UsageReport> ReportAsync(string projectId, UsagePeriod period, CancellationToken cancellationToken)
    {
        var now = GnocchiTime.ToNanos(clock.GetUtcNow());
        var start = GnocchiTime.FormatInstant(GnocchiTime.FromNanos(period.Start));
        var end = GnocchiTime.FormatInstant(GnocchiTime.FromNanos(period.End));
        var resources = await store.CountResourcesAsync(projectId, start, end, cancellationToken);
        if (resources > settings.UsageMaxResources)
            throw ApiFault.BadRequest($"Too many resources: project {projectId} had {resources} metered resources in the period, a report reads at most {settings.UsageMaxResources}; ask for a shorter period");
        // Every measure acknowledged so far counts: aggregate what is still queued.
        await processor.DrainAsync(cancellationToken);
        var metrics = await store.ListMetricsAsync(projectId, start, end, settings.UsageMaxResources * UsageMeter.All.Count, cancellationToken);
        var newest = await store.NewestSplitsAsync([.. metrics.Select(m => m.MetricId)], cancellationToken);
        var totals = new Dictionary<UsageMeter, double>();
        // What to read of each metric: its meter, the line of its policy, the window it counts in.
        var plans = new Dictionary<string, (UsageMeter Meter, long From, long To)>(StringComparer.Ordinal);
        var byGranularity = new Dictionary<long, List<string>>();
        foreach (var metric in metrics)
        {
            if (UsageMeter.Find(metric.ResourceType, metric.Name) is not { } meter || await policies.FindAsync(metric.ArchivePolicyName, cancellationToken) is not { } policy)
                continue;
            var to = Math.Min(period.End, now);
            var from = period.Start;
            if (meter.Kind == MeterKind.Gauge)
            {
                // A level counts only while its resource lived.
                if (GnocchiTime.TryParseInstant(metric.StartedAt, clock.GetUtcNow(), out var started))
                    from = Math.Max(from, started);
                if (metric.EndedAt is { } endedText && GnocchiTime.TryParseInstant(endedText, clock.GetUtcNow(), out var ended))
                    to = Math.Min(to, ended);
            }
            if (to <= from)
                continue;
            var item = ChooseItem(policy, g => newest.TryGetValue((metric.MetricId, g), out var split) ? split : null, period.Start, period.End);
            if (item is null)
                continue;
            plans[metric.MetricId] = (meter, from, to);
            if (!byGranularity.TryGetValue(item.GranularityNs, out var ids))
                byGranularity[item.GranularityNs] = ids = [];
            ids.Add(metric.MetricId);
        }
        // Metrics of one line are read together, a chunk per query, one metric's buckets in memory at a time.
        foreach (var (granularity, ids) in byGranularity)
        {
            foreach (var chunk in ids.Chunk(MetricsPerRead))
            {
                BucketReader? reader = null;
                await foreach (var (metricId, split) in store.ReadSplitsAsync(chunk, granularity, period.Start - LookbackNanos - granularity, period.End, cancellationToken))
                {
                    if (reader is not null && reader.MetricId != metricId)
                        Add(reader);
                    if (reader is null || reader.MetricId != metricId)
                        reader = new BucketReader(metricId, plans[metricId].Meter.Kind, granularity, period.Start - LookbackNanos - granularity, period.End);
                    reader.Add(split);
                }
                if (reader is not null)
                    Add(reader);
            }
        }
        return Build();

        void Add(BucketReader reader)
        {
            var (meter, from, to) = plans[reader.MetricId];
            var buckets = reader.Finish();
            var amount = meter.Kind == MeterKind.Gauge ? SeriesIntegral.GaugeHours(buckets, from, to) : SeriesIntegral.CounterIncrease(buckets, from, to);
            totals[meter] = totals.GetValueOrDefault(meter) + amount * meter.Scale;
        }

        UsageReport Build() => new UsageReport(
            projectId,
            GnocchiTime.FormatMeasure(period.Start),
            GnocchiTime.FormatMeasure(period.End),
            Round(totals.GetValueOrDefault(UsageMeter.Vcpus)),
            Round(totals.GetValueOrDefault(UsageMeter.Cpu)),
            Round(totals.GetValueOrDefault(UsageMeter.VolumeSize)),
            Round(totals.GetValueOrDefault(UsageMeter.ObjectBytes)),
            Round(totals.GetValueOrDefault(UsageMeter.ImageBytes)),
            (long)Math.Round(totals.GetValueOrDefault(UsageMeter.NetworkIn)),
            (long)Math.Round(totals.GetValueOrDefault(UsageMeter.NetworkOut)),
            metrics.Select(m => m.ResourceId).Distinct(StringComparer.Ordinal).Count(),
            metrics.Count);
    }

    private static double Round(double value) => Math.Round(value, 6);

    /// <summary>How many metrics one read of splits covers.</summary>
    private const int MetricsPerRead = 500;

    /// <summary>
    /// The finest line of the policy that still holds the period's start (retention counts back
    /// from the metric's newest bucket, at most the end of its newest split) and whose buckets over
    /// the period stay within the bound; else the line reaching furthest back. Null when the
    /// metric has no stored aggregates.
    /// </summary>
    public static ArchivePolicyItem? ChooseItem(ArchivePolicy policy, Func<long, long?> newestSplit, long start, long end)
    {
        ArchivePolicyItem? longest = null;
        foreach (var item in policy.Definition.OrderBy(i => i.GranularityNs))
        {
            if (newestSplit(item.GranularityNs) is not { } newest)
                continue;
            var newestBucket = newest + (SeriesSplit.PointsPerSplit - 1) * item.GranularityNs;
            if (newestBucket - item.TimespanNs + item.GranularityNs <= start - LookbackNanos && (end - start + LookbackNanos) / item.GranularityNs <= MaxBucketsPerMetric)
                return item;
            if (longest is null || item.TimespanNs > longest.TimespanNs)
                longest = item;
        }
        return longest;
    }
}
