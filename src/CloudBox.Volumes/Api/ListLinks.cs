using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Volumes.Api;

/// <summary>
/// Cinder's <c>{collection}_links</c>: when a page stops before the end of the list, a <c>next</c>
/// link repeating the request's query with <c>marker</c> set to the page's last item.
/// </summary>
internal static class ListLinks
{
    public static JsonObject WithNext<T>(JsonObject answer, string collection, HttpRequest request, IReadOnlyList<T> ordered, IReadOnlyList<T> page, Func<T, string> id)
        where T : class
    {
        if (page.Count == 0 || ReferenceEquals(page[^1], ordered[^1]))
            return answer;
        var href = new StringBuilder().Append(request.Scheme).Append("://").Append(request.Host).Append(request.PathBase).Append(request.Path).Append('?');
        foreach (var (name, values) in request.Query)
        {
            if (name == "marker")
                continue;
            foreach (var value in values)
                href.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value ?? "")).Append('&');
        }
        href.Append("marker=").Append(Uri.EscapeDataString(id(page[^1])));
        answer[collection + "_links"] = new JsonArray(new JsonObject { ["href"] = href.ToString(), ["rel"] = "next" });
        return answer;
    }

    /// <summary>Orders <paramref name="items"/> by the parsed sort keys (then id, for a total order the marker can rely on).</summary>
    public static IReadOnlyList<T> Sort<T>(IReadOnlyList<T> items, IReadOnlyList<(string Key, bool Descending)> keys, Func<T, string, object?> value, Func<T, string> id)
    {
        if (keys.Count == 0)
            return items;
        var sorted = items.ToList();
        sorted.Sort((a, b) =>
        {
            foreach (var (key, descending) in keys)
            {
                var order = Compare(value(a, key), value(b, key));
                if (order != 0)
                    return descending ? -order : order;
            }
            var byId = string.CompareOrdinal(id(a), id(b));
            return keys[^1].Descending ? -byId : byId;
        });
        return sorted;
    }

    private static int Compare(object? x, object? y) => (x, y) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (string s, string t) => string.CompareOrdinal(s, t),
        (IComparable c, _) => c.CompareTo(y),
        _ => 0,
    };
}
