using System.Globalization;
using CloudBox.Core.Api;
using CloudBox.Telemetry.Api;

namespace CloudBox.Telemetry.Usage;

/// <summary>The period of a usage report, [Start, End) in ns since the epoch, checked: end after start, at most <see cref="MaxDays"/> days.</summary>
internal readonly record struct UsagePeriod(long Start, long End)
{
    /// <summary>The longest period one report covers (a year, leap or not); longer ones are asked for in parts.</summary>
    public const int MaxDays = 366;

    private const long NanosPerDay = 86_400_000_000_000L;

    /// <summary>
    /// Parses <paramref name="start"/> (required) and <paramref name="end"/> (default now) in
    /// Gnocchi's spellings (ISO 8601, epoch seconds, <c>now</c>, <c>-30d</c>); a 400 that says what is wrong otherwise.
    /// </summary>
    public static UsagePeriod Parse(string? start, string? end, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(start))
            throw ApiFault.BadRequest("Invalid value for start: a start time is required (ISO 8601, e.g. 2024-05-01T00:00:00)");
        var from = Instant(start, now, "start");
        var to = string.IsNullOrWhiteSpace(end) ? GnocchiTime.ToNanos(now) : Instant(end, now, "end");
        if (to <= from)
            throw ApiFault.BadRequest($"Invalid period: end {GnocchiTime.FormatMeasure(to)} is not after start {GnocchiTime.FormatMeasure(from)}");
        if (to - from > MaxDays * NanosPerDay)
            throw ApiFault.BadRequest($"Invalid period: {(to - from) / (double)NanosPerDay:0.##} days is longer than the {MaxDays} days one report covers");
        return new UsagePeriod(from, to);
    }

    private static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An instant between the epoch and 2200 (nanoseconds in a long reach 2262; a later date would wrap round).</summary>
    private static long Instant(string text, DateTimeOffset now, string what)
    {
        var nanos = GnocchiTime.ParseInstant(text, now, what);
        var outside = nanos < 0 || nanos > GnocchiTime.ToNanos(Latest)
            || (DateTimeOffset.TryParse(text.Trim().Replace(' ', 'T'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
                && (parsed < DateTimeOffset.UnixEpoch || parsed > Latest));
        return outside ? throw ApiFault.BadRequest($"Invalid value for {what}: {text} is outside 1970-01-01 to 2200-01-01") : nanos;
    }
}
