namespace BlockEngineBench;

/// <summary>Request latencies in 100 ns buckets up to 100 ms (beyond lands in the last one): recording allocates nothing.</summary>
internal sealed class LatencyHistogram
{
    private const long BucketTicks = 100; // 100 ns, in Stopwatch ticks of 1 ns on Linux
    private readonly long[] _buckets = new long[1_000_000];

    public long Count { get; private set; }

    public void Record(long nanoseconds)
    {
        var bucket = Math.Min(nanoseconds / BucketTicks, _buckets.Length - 1);
        _buckets[bucket]++;
        Count++;
    }

    /// <summary>The latency in microseconds below which the given fraction of requests fall.</summary>
    public double PercentileMicroseconds(double fraction)
    {
        var target = (long)Math.Ceiling(Count * fraction);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= target) return (i + 1) * BucketTicks / 1000.0;
        }
        return double.NaN;
    }
}
