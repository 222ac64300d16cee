using System.Globalization;
using System.Text.RegularExpressions;
using CloudBox.Core.Api;
using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Api;

/// <summary>Gnocchi's spellings of instants and durations, in and out.</summary>
internal static partial class GnocchiTime
{
    private const long TicksPerNano = 100;

    public static long ToNanos(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * TicksPerNano;

    public static DateTimeOffset FromNanos(long nanos) => DateTimeOffset.UnixEpoch.AddTicks(nanos / TicksPerNano);

    /// <summary>A measure's timestamp as Gnocchi writes it: ISO 8601 to the second (to the microsecond below one second), UTC offset spelt out.</summary>
    public static string FormatMeasure(long nanos)
    {
        var time = FromNanos(nanos);
        return nanos % ArchivePolicy.NanosPerSecond == 0
            ? time.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture)
            : time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <see cref="FormatMeasure"/> as a quoted JSON string in UTF-8 (at most <see cref="MeasureJsonLength"/>
    /// bytes), for writers that emit thousands of points; returns the length.
    /// </summary>
    public static int FormatMeasureJson(long nanos, Span<byte> utf8)
    {
        var time = new DateTime(DateTime.UnixEpoch.Ticks + nanos / TicksPerNano, DateTimeKind.Utc);
        utf8[0] = (byte)'"';
        if (!time.TryFormat(utf8[1..], out var written, "s", CultureInfo.InvariantCulture))
            throw new ArgumentException("The buffer is too small for a timestamp.", nameof(utf8));
        var length = 1 + written;
        if (nanos % ArchivePolicy.NanosPerSecond != 0)
        {
            utf8[length++] = (byte)'.';
            var micros = (int)(time.Ticks % TimeSpan.TicksPerSecond / 10);
            for (var digit = 5; digit >= 0; digit--)
            {
                utf8[length + digit] = (byte)('0' + micros % 10);
                micros /= 10;
            }
            length += 6;
        }
        "+00:00\""u8.CopyTo(utf8[length..]);
        return length + 7;
    }

    /// <summary>The most bytes <see cref="FormatMeasureJson"/> writes.</summary>
    public const int MeasureJsonLength = 40;

    /// <summary>A resource's instant (started_at, revision_start…): Python's isoformat with microseconds.</summary>
    public static string FormatInstant(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    /// <summary>Python's <c>str(timedelta)</c>: <c>0:05:00</c>, <c>1 day, 0:00:00</c>, <c>30 days, 0:00:00</c>.</summary>
    public static string FormatSpan(long nanos)
    {
        var span = TimeSpan.FromTicks(nanos / TicksPerNano);
        var days = span.Days;
        var clock = string.Create(CultureInfo.InvariantCulture, $"{span.Hours}:{span.Minutes:00}:{span.Seconds:00}");
        if (span.Ticks % TimeSpan.TicksPerSecond != 0)
            clock += "." + (span.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture);
        return days == 0 ? clock : $"{days} day{(days == 1 ? "" : "s")}, {clock}";
    }

    public static double Seconds(long nanos) => nanos / (double)ArchivePolicy.NanosPerSecond;

    /// <summary>A duration: seconds as a number, <c>5min</c>/<c>1 hour</c>/<c>2d</c>, or <c>[N days, ]H:MM:SS</c>.</summary>
    public static bool TryParseSpan(string text, out long nanos)
    {
        nanos = 0;
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            nanos = (long)Math.Round(seconds * ArchivePolicy.NanosPerSecond);
            return true;
        }
        var clock = ClockPattern().Match(text);
        if (clock.Success)
        {
            var days = clock.Groups[1].Success ? long.Parse(clock.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var total = days * 86400 + long.Parse(clock.Groups[2].Value, CultureInfo.InvariantCulture) * 3600
                + long.Parse(clock.Groups[3].Value, CultureInfo.InvariantCulture) * 60;
            var secs = double.Parse(clock.Groups[4].Value, CultureInfo.InvariantCulture);
            nanos = total * ArchivePolicy.NanosPerSecond + (long)Math.Round(secs * ArchivePolicy.NanosPerSecond);
            return true;
        }
        var unit = UnitPattern().Match(text);
        if (!unit.Success)
            return false;
        var amount = double.Parse(unit.Groups[1].Value, CultureInfo.InvariantCulture);
        var factor = unit.Groups[2].Value.ToLowerInvariant() switch
        {
            "ns" => 1e-9,
            "us" => 1e-6,
            "ms" => 1e-3,
            "s" or "sec" or "secs" or "second" or "seconds" => 1,
            "m" or "min" or "mins" or "minute" or "minutes" or "t" => 60,
            "h" or "hr" or "hour" or "hours" => 3600,
            "d" or "day" or "days" => 86400,
            "w" or "week" or "weeks" => 604800,
            _ => double.NaN,
        };
        if (double.IsNaN(factor))
            return false;
        nanos = (long)Math.Round(amount * factor * ArchivePolicy.NanosPerSecond);
        return true;
    }

    public static long ParseSpan(string text, string what) =>
        TryParseSpan(text, out var nanos) && nanos > 0 ? nanos : throw ApiFault.BadRequest($"Invalid value for {what}: {text}");

    /// <summary>
    /// An instant: ISO 8601 (UTC unless an offset is given), seconds since the epoch, <c>now</c>,
    /// or <c>-</c>/<c>+</c> a duration from now.
    /// </summary>
    public static bool TryParseInstant(string text, DateTimeOffset now, out long nanos)
    {
        nanos = 0;
        text = text.Trim();
        if (text.Length == 0)
            return false;
        if (text == "now")
        {
            nanos = ToNanos(now);
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch))
        {
            nanos = (long)Math.Round(epoch * ArchivePolicy.NanosPerSecond);
            return true;
        }
        if (text[0] is '-' or '+' && TryParseSpan(text[1..], out var delta))
        {
            nanos = ToNanos(now) + (text[0] == '-' ? -delta : delta);
            return true;
        }
        if (DateTimeOffset.TryParse(text.Replace(' ', 'T'), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            nanos = ToNanos(parsed);
            return true;
        }
        return false;
    }

    public static long ParseInstant(string text, DateTimeOffset now, string what) =>
        TryParseInstant(text, now, out var nanos) ? nanos : throw ApiFault.BadRequest($"Invalid value for {what}: Timestamp {text} cannot be parsed");

    [GeneratedRegex(@"^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)$")]
    private static partial Regex ClockPattern();

    [GeneratedRegex(@"^([0-9]*\.?[0-9]+)\s*([a-zA-Z]+)$")]
    private static partial Regex UnitPattern();
}
