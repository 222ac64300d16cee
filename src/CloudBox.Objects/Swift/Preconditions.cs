using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>HTTP conditional requests on an object's ETag and Last-Modified (RFC 7232 order).</summary>
internal static class Preconditions
{
    /// <summary>Null when the request should proceed; else 304 or 412.</summary>
    public static int? Evaluate(HttpRequest request, string etag, DateTimeOffset lastModified)
    {
        var ifMatch = request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0)
        {
            if (!Matches(ifMatch, etag))
                return 412;
        }
        else if (TryDate(request.Headers.IfUnmodifiedSince.ToString(), out var unmodifiedSince) && lastModified > unmodifiedSince)
        {
            return 412;
        }

        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            if (Matches(ifNoneMatch, etag))
                return 304;
        }
        else if (TryDate(request.Headers.IfModifiedSince.ToString(), out var modifiedSince) && lastModified <= modifiedSince)
        {
            return 304;
        }
        return null;
    }

    /// <summary>Whether a list of (possibly quoted, possibly weak) entity tags names <paramref name="etag"/>, or is "*".</summary>
    public static bool Matches(string header, string etag)
    {
        foreach (var item in header.Split(','))
        {
            var tag = item.Trim();
            if (tag == "*")
                return true;
            if (tag.StartsWith("W/", StringComparison.Ordinal))
                tag = tag[2..];
            if (Unquote(tag).Equals(etag, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    public static string Unquote(string tag) => tag.Length >= 2 && tag[0] == '"' && tag[^1] == '"' ? tag[1..^1] : tag;

    private static bool TryDate(string text, out DateTimeOffset date) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out date);
}
