namespace CloudBox.Telemetry.Prometheus;

/// <summary>Requests one module answered so far: how many, their summed latency in seconds, and how many fell in each latency bucket.</summary>
internal sealed class RequestTotals(long[] buckets)
{
    public long Count { get; set; }

    public double Sum { get; set; }

    public long[] Buckets { get; } = buckets;
}
