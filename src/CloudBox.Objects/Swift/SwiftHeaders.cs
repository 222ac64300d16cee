using System.Globalization;
using CloudBox.Core.Ids;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>Header conventions shared by every Swift response: transaction ids, timestamps, user metadata.</summary>
internal static class SwiftHeaders
{
    private const string TransactionKey = "swift.trans-id";
    public const int MaxMetaNameLength = 128;
    public const int MaxMetaValueLength = 256;
    public const int MaxMetaCount = 90;
    public const int MaxMetaOverallSize = 4096;

    /// <summary>Swift's <c>X-Trans-Id</c> (tx + 21 hex + "-" + hex time), also answered as <c>X-Openstack-Request-Id</c>.</summary>
    public static void AddTransactionId(HttpContext context)
    {
        if (context.Items[TransactionKey] is not string id)
        {
            id = "tx" + Guid.NewGuid().ToString("N")[..21] + "-" + DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x10", CultureInfo.InvariantCulture);
            context.Items[TransactionKey] = id;
        }
        context.Response.Headers["X-Trans-Id"] = id;
        context.Response.Headers["X-Openstack-Request-Id"] = id;
    }

    /// <summary>Swift's <c>X-Timestamp</c>: Unix seconds with five decimals.</summary>
    public static string XTimestamp(string storedTime)
    {
        var ticks = (Timestamps.FromStorage(storedTime) - DateTimeOffset.UnixEpoch).Ticks;
        return (ticks / 10_000_000m).ToString("F5", CultureInfo.InvariantCulture);
    }

    /// <summary>Last-Modified is the timestamp rounded up to the second, so If-Modified-Since with it answers 304.</summary>
    public static DateTimeOffset LastModified(string storedTime)
    {
        var time = Timestamps.FromStorage(storedTime);
        var seconds = time.ToUnixTimeSeconds();
        if (time > DateTimeOffset.FromUnixTimeSeconds(seconds))
            seconds++;
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    /// <summary>
    /// A name for a response header: HTTP headers are ASCII, so a name with other characters is
    /// percent-encoded (slashes kept), the form clients send such names in.
    /// </summary>
    public static string HeaderSafe(string name)
    {
        foreach (var c in name)
        {
            if (c > 126 || c < 32)
                return string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
        }
        return name;
    }

    public static string HttpDate(DateTimeOffset time) => time.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Listings' <c>last_modified</c>: ISO 8601 with microseconds and no zone.</summary>
    public static string ListingTime(string storedTime) =>
        Timestamps.FromStorage(storedTime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>
    /// Applies <c>X-{kind}-Meta-NAME</c> (empty value removes) and <c>X-Remove-{kind}-Meta-NAME</c>
    /// to <paramref name="metadata"/>, whose keys are lower-case names without prefix, then checks Swift's limits.
    /// </summary>
    public static void ApplyMetadata(IHeaderDictionary headers, string kind, Dictionary<string, string> metadata, string keyPrefix = "")
    {
        var set = $"X-{kind}-Meta-";
        var remove = $"X-Remove-{kind}-Meta-";
        foreach (var (header, value) in headers)
        {
            if (header.StartsWith(set, StringComparison.OrdinalIgnoreCase))
            {
                var name = header[set.Length..].ToLowerInvariant();
                if (name.Length == 0)
                    throw SwiftFaults.BadRequest("Metadata name cannot be empty");
                if (name.Length > MaxMetaNameLength)
                    throw SwiftFaults.BadRequest($"Metadata name too long: {header}");
                var text = value.ToString();
                if (MetadataText.HasControl(name) || MetadataText.HasControl(text))
                    throw SwiftFaults.BadRequest($"Metadata must not contain control characters: {HeaderSafe(header)}");
                if (text.Length > MaxMetaValueLength)
                    throw SwiftFaults.BadRequest($"Metadata value longer than {MaxMetaValueLength}: {header}");
                if (text.Length == 0)
                    metadata.Remove(keyPrefix + name);
                else
                    metadata[keyPrefix + name] = text;
            }
            else if (header.StartsWith(remove, StringComparison.OrdinalIgnoreCase))
            {
                metadata.Remove(keyPrefix + header[remove.Length..].ToLowerInvariant());
            }
        }
        var count = 0;
        var size = 0;
        foreach (var (name, value) in metadata)
        {
            if (!name.StartsWith(keyPrefix, StringComparison.Ordinal) || IsSystemKey(name))
                continue;
            count++;
            size += name.Length - keyPrefix.Length + value.Length;
        }
        if (count > MaxMetaCount)
            throw SwiftFaults.BadRequest($"Too many metadata items; max {MaxMetaCount}");
        if (size > MaxMetaOverallSize)
            throw SwiftFaults.BadRequest($"Total metadata too large; max {MaxMetaOverallSize}");
    }

    /// <summary>Writes user metadata back as <c>X-{kind}-Meta-Name</c> headers.</summary>
    public static void WriteMetadata(HttpResponse response, string kind, Dictionary<string, string> metadata, string keyPrefix = "")
    {
        foreach (var (name, value) in metadata)
        {
            if (!name.StartsWith(keyPrefix, StringComparison.Ordinal) || IsSystemKey(name))
                continue;
            // UTF-8 as stored (the host writes header values as UTF-8); control characters of values stored before they were refused, escaped.
            response.Headers[$"X-{kind}-Meta-{HeaderSafe(TitleCase(name[keyPrefix.Length..]))}"] = MetadataText.ForHeader(value);
        }
    }

    /// <summary>
    /// Keys CloudBox keeps beside user metadata contain a colon, which no HTTP header name can,
    /// so they never collide with a user's name.
    /// </summary>
    public static bool IsSystemKey(string key) => key.Contains(':', StringComparison.Ordinal);

    private static string TitleCase(string name)
    {
        var chars = name.ToCharArray();
        var upper = true;
        for (var i = 0; i < chars.Length; i++)
        {
            if (upper)
                chars[i] = char.ToUpperInvariant(chars[i]);
            upper = chars[i] == '-';
        }
        return new string(chars);
    }
}
