namespace CloudBox.Telemetry.Usage;

/// <summary>
/// Integrates a metric's buckets (oldest first) over a window [from, to): a gauge into
/// value × hours, a cumulative counter into its increase. Pure arithmetic, no I/O.
/// </summary>
internal static class SeriesIntegral
{
    public const double NanosPerHour = 3600e9;

    /// <summary>
    /// A gauge as a step function: each bucket's value holds until the next bucket starts when that
    /// comes within 1.5 × the series' sampling step, else (a gap: the server was stopped, the
    /// volume gone) for one step. The step is the buckets' width, or the median gap between
    /// buckets when samples are sparser than the buckets (a reading every 10 s kept at 1 s).
    /// Returns value × hours inside [from, to).
    /// </summary>
    public static double GaugeHours(IReadOnlyList<UsageBucket> buckets, long from, long to)
    {
        if (buckets.Count == 0 || to <= from)
            return 0;
        var step = StepNanos(buckets);
        var tolerance = step + step / 2;
        var total = 0.0;
        for (var i = 0; i < buckets.Count; i++)
        {
            var bucket = buckets[i];
            var end = i + 1 < buckets.Count && buckets[i + 1].Start - bucket.Start <= tolerance ? buckets[i + 1].Start : bucket.Start + step;
            var overlap = Math.Min(end, to) - Math.Max(bucket.Start, from);
            if (overlap > 0)
                total += bucket.Value * (overlap / NanosPerHour);
        }
        return total;
    }

    /// <summary>The series' sampling step: the buckets' width, or the median gap between buckets when that is wider.</summary>
    public static long StepNanos(IReadOnlyList<UsageBucket> buckets)
    {
        var width = buckets[0].Width;
        if (buckets.Count < 2)
            return width;
        var gaps = new long[buckets.Count - 1];
        for (var i = 1; i < buckets.Count; i++)
            gaps[i - 1] = buckets[i].Start - buckets[i - 1].Start;
        Array.Sort(gaps);
        return Math.Max(width, gaps[gaps.Length / 2]);
    }

    /// <summary>
    /// A cumulative counter's increase inside [from, to). Each bucket's reading (its highest) is
    /// compared with the previous bucket's, which may lie before <paramref name="from"/>, so
    /// consecutive periods add up: the rise is credited to the bucket it ends in (pro rata to the
    /// part of the bucket inside the window). A reading lower than the previous one is a reset
    /// (the VMM restarted, the tap was recreated): the counter started again from zero, so the
    /// reading itself is the rise. The very first bucket contributes the rise inside it (highest − lowest).
    /// </summary>
    public static double CounterIncrease(IReadOnlyList<UsageBucket> buckets, long from, long to)
    {
        if (buckets.Count == 0 || to <= from)
            return 0;
        var total = 0.0;
        double? previous = null;
        foreach (var bucket in buckets)
        {
            var rise = previous is not { } before ? Math.Max(0, bucket.High - bucket.Low)
                : bucket.High >= before ? bucket.High - before
                : bucket.High;
            previous = bucket.High;
            var overlap = Math.Min(bucket.End, to) - Math.Max(bucket.Start, from);
            if (overlap > 0 && rise > 0)
                total += rise * Math.Min(1.0, overlap / (double)bucket.Width);
        }
        return total;
    }
}
