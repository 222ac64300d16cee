using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Templates;

/// <summary>
/// A stack's environment: <c>parameters</c>, <c>parameter_defaults</c> and <c>resource_registry</c>
/// (type aliases, template resources named by a file of the <c>files</c> map, and per-resource
/// overrides under <c>resources</c>). <c>event_sinks</c> is accepted and ignored.
/// </summary>
internal sealed class StackEnvironment
{
    public JsonObject Parameters { get; private init; } = [];
    public JsonObject ParameterDefaults { get; private init; } = [];
    public JsonObject ResourceRegistry { get; private init; } = [];

    public static StackEnvironment Parse(JsonNode? node)
    {
        var root = node switch
        {
            null => new JsonObject(),
            JsonObject obj => (JsonObject)obj.DeepClone(),
            JsonValue v when v.TryGetValue<string>(out var text) => text.Trim().Length == 0 ? new JsonObject() : TemplateDocument.Parse(text, "environment").Root,
            _ => throw new TemplateException("The environment must be a map."),
        };
        foreach (var (key, _) in root)
        {
            if (key is not ("parameters" or "parameter_defaults" or "resource_registry" or "event_sinks" or "encrypted_param_names"))
                throw new TemplateException($"environment has an invalid section \"{key}\"");
        }
        return new StackEnvironment
        {
            Parameters = root["parameters"] as JsonObject ?? [],
            ParameterDefaults = root["parameter_defaults"] as JsonObject ?? [],
            ResourceRegistry = root["resource_registry"] as JsonObject ?? [],
        };
    }

    /// <summary>
    /// What <paramref name="type"/> maps to for resource <paramref name="resourceName"/>: a per-resource
    /// override first, then the global registry (exact, then wildcard prefix <c>OS::Foo::*</c>).
    /// </summary>
    public string Map(string type, string resourceName)
    {
        if (ResourceRegistry["resources"] is JsonObject perResource && perResource[resourceName] is JsonObject overrides && overrides[type]?.ToString() is { } forResource)
            return forResource;
        for (var hops = 0; hops < 10; hops++)
        {
            if (ResourceRegistry[type] is JsonValue v && v.TryGetValue<string>(out var mapped) && mapped != type)
            {
                type = mapped;
                continue;
            }
            var wildcard = ResourceRegistry.Where(p => p.Key.EndsWith('*') && type.StartsWith(p.Key[..^1], StringComparison.Ordinal)).Select(p => (p.Key, Value: p.Value?.ToString())).FirstOrDefault();
            if (wildcard.Value is { } target && target.EndsWith('*'))
                return target[..^1] + type[(wildcard.Key.Length - 1)..];
            break;
        }
        return type;
    }

    public JsonObject ToJson() => new()
    {
        ["parameters"] = Parameters.DeepClone(),
        ["parameter_defaults"] = ParameterDefaults.DeepClone(),
        ["resource_registry"] = ResourceRegistry.DeepClone(),
        ["event_sinks"] = new JsonArray(),
    };
}
