using System.Globalization;
using System.Text;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Images.Images;

/// <summary>
/// <c>GET /v2/images</c>'s query: Glance's filters (core attributes, <c>tag</c>, size bounds,
/// <c>member_status</c>, any other key as a property), sorting (<c>sort_key</c>/<c>sort_dir</c>
/// or <c>sort=key:dir,...</c>), and <c>limit</c>/<c>marker</c> paging with a <c>next</c> link.
/// </summary>
public static class ImageListing
{
    private const int DefaultLimit = 25;
    private const int MaxLimit = 1000;

    private static readonly HashSet<string> NonFilters = ["limit", "marker", "sort_key", "sort_dir", "sort", "member_status", "tag", "size_min", "size_max"];
    private static readonly string[] SortableKeys =
        ["name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at", "visibility", "owner", "min_disk", "min_ram", "virtual_size"];

    public static (IReadOnlyList<ImageRecord> Page, string? Next) Apply(
        IReadOnlyList<ImageRecord> candidates, IReadOnlyDictionary<string, string> memberships, CallerContext caller, HttpRequest request)
    {
        var query = request.Query;
        var visibility = request.Query("visibility");
        if (visibility is not null && visibility != "all" && !ImageAttributes.Visibilities.Contains(visibility))
            throw ApiFault.BadRequest($"Invalid visibility value: {visibility}");
        var memberStatus = request.Query("member_status") ?? "accepted";
        if (memberStatus is not ("accepted" or "pending" or "rejected" or "all"))
            throw ApiFault.BadRequest($"Invalid status value: {memberStatus}");
        var tags = query["tag"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToList();
        var sizeMin = Long(request, "size_min");
        var sizeMax = Long(request, "size_max");
        var osHidden = request.QueryBool("os_hidden") ?? false;
        var isAdmin = ImageAccess.IsAdmin(caller);

        var filtered = new List<ImageRecord>();
        foreach (var image in candidates)
        {
            var isOwner = ImageAccess.IsOwner(image, caller);
            memberships.TryGetValue(image.Id, out var share);
            if (visibility is null)
            {
                // The default listing: public, own, and shared-and-accepted (community only when asked for).
                var shown = image.Visibility == "public" || isOwner
                    || (image.Visibility == "shared" && share is not null && (memberStatus == "all" || share == memberStatus))
                    || (isAdmin && image.Visibility != "community");
                if (!shown)
                    continue;
            }
            else if (visibility != "all" && image.Visibility != visibility)
            {
                continue;
            }
            else if (!ImageAccess.CanSee(image, caller, share is not null))
            {
                continue;
            }
            if (image.OsHidden != osHidden)
                continue;
            if (tags.Any(t => !image.Tags.Contains(t)))
                continue;
            if (sizeMin is { } min && (image.Size ?? -1) < min)
                continue;
            if (sizeMax is { } max && (image.Size is null || image.Size > max))
                continue;
            if (!MatchesAttributes(image, query))
                continue;
            filtered.Add(image);
        }

        filtered.Sort(Comparison(request));
        var limit = Math.Min(Long(request, "limit") is { } l ? (int)Math.Min(l, int.MaxValue) : DefaultLimit, MaxLimit);
        var start = 0;
        if (request.Query("marker") is { } marker)
        {
            start = filtered.FindIndex(i => i.Id == marker) + 1;
            if (start == 0)
                throw ApiFault.BadRequest($"Marker {marker} could not be found.");
        }
        var page = filtered.Skip(start).Take(limit).ToList();
        string? next = null;
        if (page.Count == limit && start + limit < filtered.Count)
            next = NextLink(request, page[^1].Id);
        return (page, next);
    }

    private static bool MatchesAttributes(ImageRecord image, IQueryCollection query)
    {
        foreach (var (key, values) in query)
        {
            if (NonFilters.Contains(key) || key is "visibility" or "os_hidden")
                continue;
            var wanted = values.ToString();
            var actual = key switch
            {
                "name" => image.Name,
                "id" => image.Id,
                "status" => image.Status,
                "owner" => image.Owner,
                "disk_format" => image.DiskFormat,
                "container_format" => image.ContainerFormat,
                "protected" => image.Protected ? "true" : "false",
                "checksum" => image.Checksum,
                "os_hash_value" => image.OsHashValue,
                "min_disk" => image.MinDisk.ToString(CultureInfo.InvariantCulture),
                "min_ram" => image.MinRam.ToString(CultureInfo.InvariantCulture),
                _ => image.Properties.GetValueOrDefault(key),
            };
            // Glance's "in:a,b" operator for the common multi-value filters.
            if (wanted.StartsWith("in:", StringComparison.Ordinal))
            {
                if (actual is null || !wanted[3..].Split(',').Contains(actual))
                    return false;
            }
            else if (!string.Equals(actual, wanted, key == "protected" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    private static Comparison<ImageRecord> Comparison(HttpRequest request)
    {
        var keys = new List<(string Key, bool Descending)>();
        if (request.Query("sort") is { } sort)
        {
            foreach (var part in sort.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var pieces = part.Split(':');
                keys.Add((SortKey(pieces[0]), pieces.Length > 1 ? Direction(pieces[1]) : true));
            }
        }
        else
        {
            var sortKeys = request.Query["sort_key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
            var sortDirs = request.Query["sort_dir"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
            for (var i = 0; i < sortKeys.Count; i++)
                keys.Add((SortKey(sortKeys[i]), Direction(i < sortDirs.Count ? sortDirs[i] : sortDirs.LastOrDefault() ?? "desc")));
            if (keys.Count == 0)
                keys.Add(("created_at", sortDirs.Count > 0 ? Direction(sortDirs[0]) : true));
        }
        if (!keys.Any(k => k.Key == "id"))
            keys.Add(("id", keys[0].Descending));
        return (a, b) =>
        {
            foreach (var (key, descending) in keys)
            {
                var order = CompareBy(key, a, b);
                if (order != 0)
                    return descending ? -order : order;
            }
            return 0;
        };
    }

    private static int CompareBy(string key, ImageRecord a, ImageRecord b) => key switch
    {
        "size" => Nullable.Compare(a.Size, b.Size),
        "virtual_size" => Nullable.Compare(a.VirtualSize, b.VirtualSize),
        "min_disk" => a.MinDisk.CompareTo(b.MinDisk),
        "min_ram" => a.MinRam.CompareTo(b.MinRam),
        _ => string.CompareOrdinal(Text(key, a), Text(key, b)),
    };

    private static string? Text(string key, ImageRecord image) => key switch
    {
        "name" => image.Name,
        "status" => image.Status,
        "container_format" => image.ContainerFormat,
        "disk_format" => image.DiskFormat,
        "id" => image.Id,
        "created_at" => image.CreatedAt,
        "updated_at" => image.UpdatedAt,
        "visibility" => image.Visibility,
        "owner" => image.Owner,
        _ => null,
    };

    private static string SortKey(string key) =>
        SortableKeys.Contains(key) ? key : throw ApiFault.BadRequest($"Unsupported sort_key: {key}");

    private static bool Direction(string direction) => direction switch
    {
        "asc" => false,
        "desc" => true,
        _ => throw ApiFault.BadRequest($"Invalid sort direction: {direction}"),
    };

    private static long? Long(HttpRequest request, string name)
    {
        var text = request.Query(name);
        if (text is null)
            return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw ApiFault.BadRequest($"Invalid {name}: '{text}' is not a non-negative integer.");
        return value;
    }

    private static string NextLink(HttpRequest request, string lastId)
    {
        var link = new StringBuilder("/v2/images?");
        foreach (var (key, values) in request.Query)
        {
            if (key == "marker")
                continue;
            foreach (var value in values)
                link.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value ?? "")).Append('&');
        }
        link.Append("marker=").Append(Uri.EscapeDataString(lastId));
        return link.ToString();
    }
}
