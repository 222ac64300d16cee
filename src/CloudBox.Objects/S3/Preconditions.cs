using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.S3;

/// <summary>
/// If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since against an object, in the
/// order RFC 7232 gives them. Times compare at whole seconds, the precision of Last-Modified.
/// </summary>
internal static class Preconditions
{
    /// <summary>412 or 304 when a condition stops the request; null when it proceeds.</summary>
    public static int? Evaluate(IHeaderDictionary headers, ObjectRecord record)
    {
        var modified = ObjectMetadata.LastModified(record);
        var modifiedSeconds = modified.ToUnixTimeSeconds();
        var ifMatch = headers.IfMatch.ToString();
        if (ifMatch.Length > 0)
        {
            if (!EtagListMatches(ifMatch, record.Etag))
                return StatusCodes.Status412PreconditionFailed;
        }
        else if (HttpDate(headers.IfUnmodifiedSince.ToString()) is { } unmodifiedSince && modifiedSeconds > unmodifiedSince.ToUnixTimeSeconds())
        {
            return StatusCodes.Status412PreconditionFailed;
        }

        var ifNoneMatch = headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            if (EtagListMatches(ifNoneMatch, record.Etag))
                return StatusCodes.Status304NotModified;
        }
        else if (HttpDate(headers.IfModifiedSince.ToString()) is { } modifiedSince && modifiedSeconds <= modifiedSince.ToUnixTimeSeconds())
        {
            return StatusCodes.Status304NotModified;
        }
        return null;
    }

    public static bool EtagListMatches(string header, string etag)
    {
        foreach (var candidate in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var value = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
            if (value == "*" || value.Trim('"') == etag)
                return true;
        }
        return false;
    }

    private static DateTimeOffset? HttpDate(string value) =>
        value.Length > 0 && DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : null;
}
