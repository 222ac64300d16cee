namespace CloudBox.Telemetry.Storage;

/// <summary>
/// Folds new measures of one metric into its aggregates, Gnocchi's way: measures older than the
/// back window are ignored; every bucket a new measure falls in is recomputed from the
/// unaggregated measures for every granularity and method; each granularity keeps its last
/// <c>points</c> buckets. <see cref="Prepare"/> says which splits to load; <see cref="Apply"/>
/// computes them.
/// </summary>
internal sealed class MetricUpdate
{
    private readonly ArchivePolicy _policy;
    private readonly RawSeries _raw;
    private readonly AggregationMethod[] _methods;
    private readonly Dictionary<long, SortedSet<long>> _buckets = [];

    public MetricUpdate(ArchivePolicy policy, RawSeries raw)
    {
        _policy = policy;
        _raw = raw;
        _methods = [.. policy.AggregationMethods.Select(AggregationMethod.Parse)];
    }

    public int Accepted { get; private set; }

    public int Ignored { get; private set; }

    /// <summary>Merges <paramref name="added"/> and returns the (granularity, split start) keys of the splits to load.</summary>
    public IReadOnlyList<(long Granularity, long Start)> Prepare(List<MeasurePoint> added)
    {
        var block = _policy.MaxGranularityNs;
        if (_raw.Last is { } last)
        {
            var firstBlock = SeriesSplit.Round(last, block) - block * _policy.BackWindow;
            var kept = added.RemoveAll(p => p.Timestamp < firstBlock);
            Ignored += kept;
        }
        Accepted += added.Count;
        if (added.Count == 0)
            return [];
        var hasRate = _methods.Any(m => m.Rate);
        _raw.Merge(added);
        var keys = new HashSet<(long, long)>();
        foreach (var item in _policy.Definition)
        {
            var g = item.GranularityNs;
            var set = new SortedSet<long>();
            foreach (var point in added)
            {
                set.Add(SeriesSplit.Round(point.Timestamp, g));
                if (hasRate)
                {
                    // The difference at the next raw measure changes too.
                    var next = _raw.LowerBound(point.Timestamp + 1);
                    if (next < _raw.Points.Count)
                        set.Add(SeriesSplit.Round(_raw.Points[next].Timestamp, g));
                }
            }
            _buckets[g] = set;
            foreach (var bucket in set)
                keys.Add((g, SeriesSplit.SplitStartFor(bucket, g)));
        }
        return [.. keys];
    }

    /// <summary>
    /// Recomputes the affected buckets into <paramref name="splits"/> (loaded or new, keyed by
    /// granularity and start), applies retention, and trims the unaggregated series. Returns, per
    /// granularity, the time before which splits are to be deleted.
    /// </summary>
    public Dictionary<long, long> Apply(Dictionary<(long Granularity, long Start), SeriesSplit> splits)
    {
        var cutoffs = new Dictionary<long, long>();
        if (_raw.Points.Count == 0)
            return cutoffs;
        var scratch = new double[Math.Max(16, _raw.Points.Count)];
        var values = new List<double>();
        var diffs = new List<double>();
        foreach (var item in _policy.Definition)
        {
            var g = item.GranularityNs;
            if (!_buckets.TryGetValue(g, out var buckets))
                continue;
            foreach (var bucket in buckets)
            {
                var key = (g, SeriesSplit.SplitStartFor(bucket, g));
                if (!splits.TryGetValue(key, out var split))
                    splits[key] = split = new SeriesSplit(g, key.Item2, _policy.AggregationMethods);
                else if (!split.Methods.SequenceEqual(_policy.AggregationMethods))
                    splits[key] = split = split.WithMethods(_policy.AggregationMethods);
                var from = _raw.LowerBound(bucket);
                var to = _raw.LowerBound(bucket + g);
                values.Clear();
                diffs.Clear();
                for (var i = from; i < to; i++)
                {
                    values.Add(_raw.Points[i].Value);
                    if (i > 0)
                        diffs.Add(_raw.Points[i].Value - _raw.Points[i - 1].Value);
                }
                var valueSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values);
                var diffSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(diffs);
                if (scratch.Length < values.Count)
                    scratch = new double[values.Count];
                for (var m = 0; m < _methods.Length; m++)
                {
                    var method = _methods[m];
                    var value = method.Compute(method.Rate ? diffSpan : valueSpan, scratch);
                    // A bucket is written even when this method has no value (NaN): others may.
                    split.Set(bucket, m, value);
                }
            }
            // Retention: keep the buckets after (last bucket − timespan).
            var lastBucket = SeriesSplit.Round(_raw.Points[^1].Timestamp, g);
            var oldest = lastBucket - item.TimespanNs + g;
            cutoffs[g] = oldest;
            foreach (var ((granularity, _), split) in splits)
            {
                if (granularity == g)
                    split.ClearBefore(oldest);
            }
        }
        // Keep what the back window still accepts (aligned to every granularity), plus one before for rates.
        var block = _policy.MaxGranularityNs;
        var firstBlock = SeriesSplit.Round(_raw.Points[^1].Timestamp, block) - block * _policy.BackWindow;
        var keepFrom = firstBlock;
        foreach (var item in _policy.Definition)
            keepFrom = Math.Min(keepFrom, SeriesSplit.Round(firstBlock, item.GranularityNs));
        _raw.TrimBefore(keepFrom, 1);
        return cutoffs;
    }
}
