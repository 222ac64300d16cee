using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Networking.Api;

/// <summary>
/// Neutron's list semantics over resources already visible to the caller: any attribute as an
/// exact-match filter (repeat a key for "any of"), tag filters, <c>fields</c>, <c>sort_key</c>,
/// and <c>limit</c>/<c>marker</c> with a <c>next</c> link.
/// </summary>
public static class ResourceListing
{
    private static readonly HashSet<string> NotFilters = new(StringComparer.Ordinal)
    {
        "limit", "marker", "fields", "sort_key", "sort_dir", "page_reverse", "tags", "tags-any", "not-tags", "not-tags-any", "fixed_ips",
    };

    public static IResult Respond(HttpRequest request, string collection, IEnumerable<JsonObject> visible)
    {
        var matching = visible.Where(r => Matches(request, r)).ToList();
        Sort(request, matching);
        var limit = ReadLimit(request);
        var marker = request.Query["marker"].ToString();
        var start = 0;
        if (marker.Length > 0)
        {
            var index = matching.FindIndex(r => r["id"]?.GetValue<string>() == marker);
            if (index < 0)
                throw NeutronFault.NotFound(collection.TrimEnd('s'), marker);
            start = index + 1;
        }
        var page = matching.Skip(start).Take(limit ?? int.MaxValue).ToList();
        var items = new JsonArray();
        foreach (var resource in page)
            items.Add(SelectFields(request, resource));
        var body = new JsonObject { [collection] = items };
        if (limit is not null && start + page.Count < matching.Count && page.Count > 0)
        {
            var next = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}?limit={limit}&marker={page[^1]["id"]!.GetValue<string>()}";
            body[collection + "_links"] = new JsonArray(new JsonObject { ["rel"] = "next", ["href"] = next });
        }
        return NeutronResponses.Json(body);
    }

    /// <summary>Copies of <paramref name="resource"/> with only the requested <c>fields</c> (all when none are named).</summary>
    public static JsonObject SelectFields(HttpRequest request, JsonObject resource)
    {
        var fields = request.Query["fields"];
        if (fields.Count == 0)
            return (JsonObject)resource.DeepClone();
        var selected = new JsonObject();
        foreach (var field in fields)
        {
            if (field is not null && resource.TryGetPropertyValue(field, out var value))
                selected[field] = value?.DeepClone();
        }
        return selected;
    }

    private static int? ReadLimit(HttpRequest request)
    {
        var text = request.Query["limit"].ToString();
        if (text.Length == 0)
            return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
            throw NeutronFault.InvalidInput($"'{text}' is not an integer");
        return limit == 0 ? null : limit;
    }

    /// <summary>
    /// Neutron's sort: repeated <c>sort_key</c> with as many <c>sort_dir</c>; a key must be a scalar
    /// attribute of the resource, a direction asc or desc, else 400 as Neutron answers.
    /// </summary>
    private static void Sort(HttpRequest request, List<JsonObject> items)
    {
        var keys = request.Query["sort_key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
        var directions = request.Query["sort_dir"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
        foreach (var direction in directions)
        {
            if (direction is not ("asc" or "desc"))
                throw NeutronFault.BadRequest("sort", $"{direction} is invalid value for sort_dir");
        }
        if (keys.Count == 0)
            return;
        if (directions.Count != 0 && directions.Count != keys.Count)
            throw NeutronFault.BadRequest("sort", "The number of sort_keys and sort_dirs must be same");
        foreach (var key in keys)
        {
            var sortable = key.Length > 0 && key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or ':')
                && (items.Count == 0 || (items[0].TryGetPropertyValue(key, out var sample) && sample is null or JsonValue));
            if (!sortable)
                throw NeutronFault.BadRequest("sort", $"{key} is invalid attribute for sort_key");
        }
        items.Sort((a, b) =>
        {
            for (var i = 0; i < keys.Count; i++)
            {
                var order = string.CompareOrdinal(Scalar(a[keys[i]]), Scalar(b[keys[i]]));
                if (order != 0)
                    return directions.Count > 0 && directions[i] == "desc" ? -order : order;
            }
            return 0;
        });
    }

    private static bool Matches(HttpRequest request, JsonObject resource)
    {
        foreach (var (name, values) in request.Query)
        {
            if (NotFilters.Contains(name))
                continue;
            if (!resource.TryGetPropertyValue(name, out var value))
                continue; // Neutron ignores filters on attributes a resource does not have
            var actual = Scalar(value);
            if (!values.Any(v => string.Equals(Normalize(v), actual, StringComparison.Ordinal)))
                return false;
        }
        return MatchesTags(request, resource) && MatchesFixedIps(request, resource);
    }

    /// <summary><c>fixed_ips=ip_address=10.0.0.5</c> and <c>fixed_ips=subnet_id=…</c>, as <c>port list --fixed-ip</c> sends.</summary>
    private static bool MatchesFixedIps(HttpRequest request, JsonObject resource)
    {
        var filters = request.Query["fixed_ips"];
        if (filters.Count == 0 || resource["fixed_ips"] is not JsonArray fixedIps)
            return true;
        foreach (var filter in filters)
        {
            var parts = (filter ?? "").Split('=', 2);
            if (parts.Length != 2)
                continue;
            if (!fixedIps.Any(ip => ip?[parts[0]]?.GetValue<string>() == parts[1]))
                return false;
        }
        return true;
    }

    private static bool MatchesTags(HttpRequest request, JsonObject resource)
    {
        var tags = (resource["tags"] as JsonArray)?.Select(t => t!.GetValue<string>()).ToHashSet() ?? [];
        static string[] Split(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var all = Split(request.Query["tags"].ToString());
        var any = Split(request.Query["tags-any"].ToString());
        var notAll = Split(request.Query["not-tags"].ToString());
        var notAny = Split(request.Query["not-tags-any"].ToString());
        if (all.Length > 0 && !all.All(tags.Contains))
            return false;
        if (any.Length > 0 && !any.Any(tags.Contains))
            return false;
        if (notAll.Length > 0 && notAll.All(tags.Contains))
            return false;
        return notAny.Length == 0 || !notAny.Any(tags.Contains);
    }

    /// <summary>A JSON value as query-string text; booleans in lower case so <c>shared=True</c> and <c>shared=true</c> both match.</summary>
    private static string Scalar(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        _ => value.ToJsonString(),
    };

    private static string Normalize(string? value) => value switch
    {
        "True" or "TRUE" => "true",
        "False" or "FALSE" => "false",
        _ => value ?? "",
    };
}
