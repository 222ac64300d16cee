using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api.Paging;

/// <summary>
/// The sort a list request asks for: repeated <c>sort_key</c>/<c>sort_dir</c> (Nova, Neutron, Cinder,
/// Glance) or <c>sort=key[:dir],…</c> (Cinder, Glance), checked against the keys the service sorts
/// by. Upstream answers an unknown key or direction with 400, and so does this, in the words and
/// fault body <paramref name="fault"/> gives.
/// </summary>
public static class SortQuery
{
    public static IReadOnlyList<(string Key, bool Descending)> Parse(HttpRequest request, IReadOnlySet<string> keys, Func<string, Exception> fault,
        bool allowSortParameter = false)
    {
        var result = new List<(string, bool)>();
        var sortKeys = request.Query["sort_key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
        var sortDirs = request.Query["sort_dir"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
        foreach (var direction in sortDirs)
            Direction(direction, fault);
        foreach (var key in sortKeys)
        {
            if (!keys.Contains(key))
                throw fault($"{key} is an invalid sort key");
        }
        for (var i = 0; i < sortKeys.Count; i++)
            result.Add((sortKeys[i], i < sortDirs.Count ? Direction(sortDirs[i], fault) : true));
        if (allowSortParameter && request.Query["sort"].ToString() is { Length: > 0 } sort)
        {
            if (sortKeys.Count > 0 || sortDirs.Count > 0)
                throw fault("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.");
            foreach (var part in sort.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = part.IndexOf(':', StringComparison.Ordinal);
                var key = colon < 0 ? part : part[..colon];
                if (!keys.Contains(key))
                    throw fault($"{key} is an invalid sort key");
                result.Add((key, colon < 0 || Direction(part[(colon + 1)..], fault)));
            }
        }
        return result;
    }

    private static bool Direction(string direction, Func<string, Exception> fault) => direction.ToLowerInvariant() switch
    {
        "asc" => false,
        "desc" => true,
        _ => throw fault($"{direction} is an invalid sort direction; use 'asc' or 'desc'"),
    };
}
