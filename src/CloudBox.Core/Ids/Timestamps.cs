using System.Globalization;

namespace CloudBox.Core.Ids;

/// <summary>
/// Timestamps are stored as ISO-8601 UTC text in both engines: portable, sortable as strings,
/// exact to the microsecond.
/// </summary>
public static class Timestamps
{
    public static string ToStorage(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset FromStorage(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>Keystone's wire form: <c>2026-11-25T10:00:00.000000Z</c>.</summary>
    public static string ToKeystone(DateTimeOffset value) => ToStorage(value);

    /// <summary>Nova's wire form: <c>2026-11-25T10:00:00Z</c>.</summary>
    public static string ToSeconds(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
