using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;

namespace CloudBox.Compute.Api;

/// <summary>Typed reads of Nova request fields; Nova accepts integers as JSON numbers or digit strings.</summary>
public static class NovaBody
{
    public static int? OptionalInt(this JsonObject body, string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var node = body[name];
        if (node is null)
            return null;
        int value;
        switch (node.GetValueKind())
        {
            case JsonValueKind.Number when node.AsValue().TryGetValue<int>(out var number):
                value = number;
                break;
            case JsonValueKind.Number when node.AsValue().TryGetValue<double>(out var real) && real == Math.Floor(real) && real is >= int.MinValue and <= int.MaxValue:
                value = (int)real;
                break;
            case JsonValueKind.String when int.TryParse(node.GetValue<string>().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                value = parsed;
                break;
            case JsonValueKind.String when node.GetValue<string>().Length == 0:
                return null;
            default:
                throw ApiFault.BadRequest($"Invalid input for field/attribute {name}. Value: {node.ToJsonString()}. It is not an integer.");
        }
        if (value < min || value > max)
            throw ApiFault.BadRequest($"Invalid input for field/attribute {name}. Value: {value}. It must be between {min} and {max}.");
        return value;
    }

    public static int RequireInt(this JsonObject body, string name, int min = int.MinValue, int max = int.MaxValue) =>
        body.OptionalInt(name, min, max) ?? throw ApiFault.BadRequest($"Invalid input for field/attribute {name}: it is a required property.");

    /// <summary>A flat object of string values (metadata, extra specs).</summary>
    public static Dictionary<string, string> StringMap(JsonNode? node, string name, int maxKey = 255, int maxValue = 255)
    {
        if (node is not JsonObject map)
            throw ApiFault.BadRequest($"Invalid input for field/attribute {name}: must be an object of strings.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            if (key.Length is 0 || key.Length > maxKey)
                throw ApiFault.BadRequest($"Invalid input for field/attribute {name}: keys must be 1 to {maxKey} characters.");
            if (value is null || value.GetValueKind() != JsonValueKind.String)
                throw ApiFault.BadRequest($"Invalid input for field/attribute {name}.{key}: must be a string.");
            var text = value.GetValue<string>();
            if (text.Length > maxValue)
                throw ApiFault.BadRequest($"Invalid input for field/attribute {name}.{key}: longer than {maxValue} characters.");
            result[key] = text;
        }
        return result;
    }

    public static JsonObject ToJson(IReadOnlyDictionary<string, string> map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map)
            result[key] = value;
        return result;
    }
}
