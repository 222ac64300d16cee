using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api.Paging;

/// <summary>
/// OpenStack's <c>limit</c>/<c>marker</c> paging: at most <see cref="Limit"/> items that sort
/// after the item whose id is <see cref="Marker"/>.
/// </summary>
public readonly record struct PageRequest(int Limit, string? Marker)
{
    public static PageRequest FromQuery(HttpRequest request, int defaultLimit = 1000, int maxLimit = 1000)
    {
        var limit = defaultLimit;
        var limitText = request.Query["limit"].ToString();
        if (limitText.Length > 0)
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
                throw ApiFault.BadRequest($"Invalid limit '{limitText}': must be a non-negative integer.");
            limit = Math.Min(limit, maxLimit);
        }
        var marker = request.Query["marker"].ToString();
        return new PageRequest(limit, marker.Length > 0 ? marker : null);
    }

    /// <summary>
    /// Applies the page to items already in their listing order. An unknown marker is the
    /// client's mistake and answered 400, as the services do.
    /// </summary>
    public IReadOnlyList<T> Apply<T>(IReadOnlyList<T> ordered, Func<T, string> id)
    {
        var start = 0;
        if (Marker is not null)
        {
            start = -1;
            for (var i = 0; i < ordered.Count; i++)
            {
                if (id(ordered[i]) == Marker)
                {
                    start = i + 1;
                    break;
                }
            }
            if (start < 0)
                throw ApiFault.BadRequest($"Marker '{Marker}' could not be found.");
        }
        var count = Math.Min(Limit, ordered.Count - start);
        var page = new List<T>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
            page.Add(ordered[start + i]);
        return page;
    }
}
