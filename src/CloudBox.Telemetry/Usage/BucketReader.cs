using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Usage;

/// <summary>
/// Turns one metric's splits (oldest first) into the buckets the report integrates: a gauge's
/// mean (else last, median, max, min), a counter's highest and lowest reading (max/min, else
/// last/first, else mean), within [from, to). When the line has more than
/// <see cref="UsageService.MaxBucketsPerMetric"/> buckets over that range, consecutive buckets are
/// merged into wider ones (mean of means, lowest low, highest high).
/// </summary>
internal sealed class BucketReader
{
    private static readonly string[] GaugeMethods = ["mean", "last", "median", "max", "min"];
    private static readonly string[] CounterHighMethods = ["max", "last", "mean"];
    private static readonly string[] CounterLowMethods = ["min", "first"];

    private readonly MeterKind _kind;
    private readonly long _granularity;
    private readonly long _from;
    private readonly long _to;
    private readonly long _width;
    private readonly List<UsageBucket> _buckets = [];
    private long? _current;
    private double _sum;
    private double _low = double.PositiveInfinity;
    private double _high = double.NegativeInfinity;
    private int _count;

    public BucketReader(string metricId, MeterKind kind, long granularity, long from, long to)
    {
        MetricId = metricId;
        _kind = kind;
        _granularity = granularity;
        _from = SeriesSplit.Round(from, granularity);
        _to = to;
        var count = (to - _from) / granularity + 1;
        _width = count > UsageService.MaxBucketsPerMetric ? granularity * ((count + UsageService.MaxBucketsPerMetric - 1) / UsageService.MaxBucketsPerMetric) : granularity;
    }

    public string MetricId { get; }

    public void Add(SeriesSplit split)
    {
        var value = MethodOf(split, _kind == MeterKind.Gauge ? GaugeMethods : CounterHighMethods);
        if (value < 0)
            return;
        var lowMethod = _kind == MeterKind.Counter ? MethodOf(split, CounterLowMethods) : -1;
        foreach (var slot in split.PresentSlots())
        {
            var bucket = split.BucketAt(slot);
            if (bucket < _from || bucket >= _to)
                continue;
            var v = split.ValueAt(value, slot);
            if (double.IsNaN(v))
                continue;
            var l = lowMethod >= 0 && !double.IsNaN(split.ValueAt(lowMethod, slot)) ? split.ValueAt(lowMethod, slot) : v;
            var key = SeriesSplit.Round(bucket, _width);
            if (_current is { } open && open != key)
                Flush();
            _current = key;
            _sum += v;
            _count++;
            _low = Math.Min(_low, l);
            _high = Math.Max(_high, v);
        }
    }

    public List<UsageBucket> Finish()
    {
        if (_current is not null)
            Flush();
        return _buckets;
    }

    private void Flush()
    {
        _buckets.Add(new UsageBucket(_current!.Value, _width, _sum / _count, _low, _high));
        (_current, _sum, _low, _high, _count) = (null, 0, double.PositiveInfinity, double.NegativeInfinity, 0);
    }

    private static int MethodOf(SeriesSplit split, string[] preferred)
    {
        foreach (var name in preferred)
        {
            var index = split.MethodIndex(name);
            if (index >= 0)
                return index;
        }
        return -1;
    }
}
