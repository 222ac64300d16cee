using CloudBox.Core.Api;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Identity.Api;

/// <summary>
/// Keystone resources carry free-form extra attributes next to their fixed ones, so bodies are
/// built as JSON objects rather than fixed records; these wrap them the way Keystone does.
/// </summary>
public static class KeystoneResponses
{
    /// <summary><c>{"project": {…}}</c></summary>
    public static IResult Single(string member, JsonObject resource, int statusCode = StatusCodes.Status200OK) =>
        Json(new JsonObject { [member] = resource }, statusCode);

    /// <summary><c>{"projects": [...], "links": {"self": …, "previous": null, "next": null}}</c></summary>
    public static IResult Collection(HttpRequest request, string member, IEnumerable<JsonObject> resources)
    {
        var items = new JsonArray();
        foreach (var resource in resources)
            items.Add(resource);
        var self = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}";
        return Json(new JsonObject
        {
            [member] = items,
            ["links"] = new JsonObject { ["self"] = self, ["previous"] = null, ["next"] = null },
        });
    }

    public static IResult Json(JsonNode body, int statusCode = StatusCodes.Status200OK) =>
        JsonBody.Node(body, statusCode);

    public static JsonObject Links(string self) => new() { ["self"] = self };

    /// <summary>Copies stored extra attributes into <paramref name="resource"/> without overriding its fixed ones.</summary>
    public static JsonObject WithExtra(this JsonObject resource, string extraJson)
    {
        if (extraJson.Length <= 2)
            return resource;
        if (JsonNode.Parse(extraJson) is JsonObject extra)
        {
            foreach (var (name, value) in extra)
            {
                if (!resource.ContainsKey(name))
                    resource[name] = value?.DeepClone();
            }
        }
        return resource;
    }

    /// <summary>The attributes of a request body that are not among <paramref name="known"/>, as stored extra JSON.</summary>
    public static string ExtraOf(JsonObject body, string existingExtra, params string[] known)
    {
        var extra = JsonNode.Parse(existingExtra) as JsonObject ?? [];
        foreach (var (name, value) in body)
        {
            if (Array.IndexOf(known, name) >= 0 || name == "links" || name == "id")
                continue;
            extra[name] = value?.DeepClone();
        }
        return extra.ToJsonString();
    }
}
