namespace CloudBox.Telemetry.Benchmarks;

/// <summary>A clock the benchmark moves one poll interval per poll, so a run of polls stamps its measures as that many real intervals would.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
