namespace CloudBox.Telemetry.Usage;

/// <summary>
/// One stored aggregate bucket of a metric as the usage report reads it: its start (ns), its
/// width (ns), the gauge's value over it (mean), and the counter's lowest and highest readings in it.
/// </summary>
internal readonly record struct UsageBucket(long Start, long Width, double Value, double Low, double High)
{
    public long End => Start + Width;
}
