using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Templates;

/// <summary>One entry of a template's <c>resources</c>, unresolved (functions still in place).</summary>
internal sealed record ResourceDefinition(
    string Name,
    string Type,
    JsonObject Properties,
    JsonObject Metadata,
    IReadOnlyList<string> DependsOn,
    JsonNode? Condition,
    string? DeletionPolicy,
    JsonObject UpdatePolicy,
    JsonObject Raw)
{
    /// <summary>The resources this one needs first: <c>depends_on</c> and every get_resource/get_attr it holds.</summary>
    public IReadOnlySet<string> Requires()
    {
        var names = new HashSet<string>(DependsOn, StringComparer.Ordinal);
        References(Properties, names);
        References(Metadata, names);
        names.Remove(Name);
        return names;
    }

    public static void References(JsonNode? node, HashSet<string> names)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (obj.Count == 1 && key == "get_resource" && value is JsonValue v && v.TryGetValue<string>(out var name))
                        names.Add(name);
                    else if (obj.Count == 1 && key == "get_attr" && value is JsonArray { Count: > 0 } a && a[0] is JsonValue r && r.TryGetValue<string>(out var res))
                        names.Add(res);
                    References(value, names);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                    References(item, names);
                break;
        }
    }

    /// <summary>The attributes of other resources this snippet reads (to fetch them before resolving).</summary>
    public static void Attributes(JsonNode? node, HashSet<(string Resource, string? Attribute)> found)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (obj.Count == 1 && key == "get_attr" && value is JsonArray { Count: > 0 } a && a[0] is JsonValue r && r.TryGetValue<string>(out var res))
                        found.Add((res, a.Count > 1 && a[1] is JsonValue at && at.TryGetValue<string>(out var attr) ? attr : null));
                    Attributes(value, found);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                    Attributes(item, found);
                break;
        }
    }
}
