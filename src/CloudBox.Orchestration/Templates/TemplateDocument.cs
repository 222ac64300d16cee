using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CloudBox.Orchestration.Templates;

/// <summary>
/// A template or environment as a JSON tree, parsed from YAML (or JSON, which is YAML) with
/// YamlDotNet, or taken as the JSON object heatclient sends. For YAML it keeps the line of every
/// node by its dotted path (<c>resources.server.properties</c>), so errors can name it.
/// </summary>
internal sealed class TemplateDocument
{
    /// <summary>Bounds that hold before anything is allocated per node.</summary>
    public const int MaxBytes = 512 * 1024;
    public const int MaxDepth = 64;
    public const int MaxNodes = 100_000;

    private readonly Dictionary<string, int> _lines;

    private TemplateDocument(JsonObject root, Dictionary<string, int> lines)
    {
        Root = root;
        _lines = lines;
    }

    public JsonObject Root { get; }

    public int? LineOf(string path)
    {
        // The nearest ancestor with a known line: a path into a scalar names its key's line.
        for (var p = path; p.Length > 0;)
        {
            if (_lines.TryGetValue(p, out var line))
                return line;
            var cut = p.LastIndexOf('.');
            if (cut < 0)
                break;
            p = p[..cut];
        }
        return null;
    }

    public static TemplateDocument FromJson(JsonObject root)
    {
        var nodes = 0;
        CheckShape(root, 0, ref nodes);
        return new TemplateDocument(root, []);
    }

    public static TemplateDocument Parse(string text, string what = "template")
    {
        if (text.Length > MaxBytes)
            throw new TemplateException($"The {what} is {text.Length} bytes; at most {MaxBytes} are accepted.", "RequestLimitExceeded");
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException error)
        {
            throw new TemplateException($"Error parsing {what}: line {error.Start.Line}, column {error.Start.Column}: {error.InnerException?.Message ?? error.Message}");
        }
        if (stream.Documents.Count == 0)
            throw new TemplateException($"The {what} is empty.");
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodes = 0;
        var root = Convert(stream.Documents[0].RootNode, "", 0, lines, ref nodes);
        if (root is not JsonObject rootObject)
            throw new TemplateException($"The {what} is not a map (line {stream.Documents[0].RootNode.Start.Line}).");
        return new TemplateDocument(rootObject, lines);
    }

    private static JsonNode? Convert(YamlNode node, string path, int depth, Dictionary<string, int> lines, ref int nodes)
    {
        if (depth > MaxDepth)
            throw new TemplateException($"{path} (line {node.Start.Line}): nested deeper than {MaxDepth} levels.");
        if (++nodes > MaxNodes)
            throw new TemplateException($"The template has more than {MaxNodes} nodes.", "RequestLimitExceeded");
        if (path.Length > 0)
            lines.TryAdd(path, (int)node.Start.Line);
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = key is YamlScalarNode s ? s.Value ?? "" : throw new TemplateException($"{path} (line {key.Start.Line}): keys must be scalars.");
                    if (obj.ContainsKey(name))
                        throw new TemplateException($"{Join(path, name)} (line {key.Start.Line}): duplicate key '{name}'.");
                    obj[name] = Convert(value, Join(path, name), depth + 1, lines, ref nodes);
                }
                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                var index = 0;
                foreach (var item in seq.Children)
                    array.Add(Convert(item, Join(path, (index++).ToString(CultureInfo.InvariantCulture)), depth + 1, lines, ref nodes));
                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new TemplateException($"{path} (line {node.Start.Line}): aliases are not supported.");
        }
    }

    /// <summary>YAML 1.1 plain scalars as PyYAML's safe loader types them (Heat's loader); dates stay strings.</summary>
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
            return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (text.Contains('.', StringComparison.Ordinal) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && !double.IsInfinity(real))
            return JsonValue.Create(real);
        return JsonValue.Create(text);
    }

    private static void CheckShape(JsonNode? node, int depth, ref int nodes)
    {
        if (depth > MaxDepth)
            throw new TemplateException($"The template is nested deeper than {MaxDepth} levels.");
        if (++nodes > MaxNodes)
            throw new TemplateException($"The template has more than {MaxNodes} nodes.", "RequestLimitExceeded");
        if (node is JsonObject obj)
            foreach (var (_, value) in obj)
                CheckShape(value, depth + 1, ref nodes);
        else if (node is JsonArray array)
            foreach (var item in array)
                CheckShape(item, depth + 1, ref nodes);
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The text of a JSON value when it was sent as a string holding YAML or JSON.</summary>
    public static TemplateDocument FromRequest(JsonNode? node, string what)
    {
        return node switch
        {
            JsonObject obj => FromJson((JsonObject)obj.DeepClone()),
            JsonValue value when value.GetValueKind() == JsonValueKind.String => Parse(value.GetValue<string>(), what),
            null => throw new TemplateException($"No {what} was given."),
            _ => throw new TemplateException($"The {what} must be a map or a YAML document."),
        };
    }
}
