using System.Globalization;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Swift;

/// <summary>Reads Swift's listing parameters (prefix, delimiter, marker, end_marker, limit, reverse, path) into a query.</summary>
internal static class ListingRequest
{
    public const int MaxLimit = 10_000;

    public static ListingQuery Parse(SwiftRequest request)
    {
        var limit = MaxLimit;
        if (request.Query("limit") is { Length: > 0 } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
                throw SwiftFaults.PreconditionFailed("Value of limit must be a positive integer");
            if (limit > MaxLimit)
                throw SwiftFaults.PreconditionFailed($"Maximum limit is {MaxLimit}");
        }
        var prefix = request.Query("prefix");
        var delimiter = request.Query("delimiter");
        if (!string.IsNullOrEmpty(delimiter) && (delimiter.Length > 1 || delimiter[0] > 254))
            throw SwiftFaults.PreconditionFailed("Bad delimiter");
        // The legacy "path" parameter lists one pseudo-directory: prefix "path/", delimiter "/".
        if (request.Query("path") is { } path)
        {
            prefix = path.Length == 0 || path.EndsWith('/') ? path : path + "/";
            delimiter = "/";
        }
        var reverse = request.Query("reverse")?.ToLowerInvariant() is "true" or "1" or "yes" or "on" or "t" or "y";
        return new ListingQuery(
            Prefix: string.IsNullOrEmpty(prefix) ? null : prefix,
            Delimiter: string.IsNullOrEmpty(delimiter) ? null : delimiter,
            Marker: string.IsNullOrEmpty(request.Query("marker")) ? null : request.Query("marker"),
            EndMarker: string.IsNullOrEmpty(request.Query("end_marker")) ? null : request.Query("end_marker"),
            Limit: limit,
            Reverse: reverse);
    }
}
