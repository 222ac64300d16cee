namespace CloudBox.Telemetry.Aggregates;

/// <summary>Series on a shared time axis (NaN where a series has no point), as the aggregates API computes on them.</summary>
internal sealed class SeriesGrid(long granularity, long[] times, double[][] series)
{
    public long Granularity { get; } = granularity;
    public long[] Times { get; } = times;
    public double[][] Series { get; } = series;
    public bool Aggregated { get; init; }

    /// <summary>How many rows each wanted reference expanded to (one per matching resource when searching), in order.</summary>
    public int[] RowsPerReference { get; init; } = [];
}
