using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Orchestration.Resources;
using CloudBox.Orchestration.Templates;

namespace CloudBox.Orchestration.Engine;

/// <summary>
/// Checks resolved properties against a type's schema (unknown names, required ones, types) and
/// coerces them as Heat does (integer → long, number → double, boolean from its spellings),
/// filling defaults; errors name the property's path.
/// </summary>
internal static class PropertyValidation
{
    public static JsonObject Validate(ResourceType type, JsonObject resolved, string path, TemplateDocument? document)
    {
        var result = new JsonObject();
        foreach (var (name, value) in resolved)
        {
            if (!type.Properties.ContainsKey(name) && type is not Resources.Heat.NoneType)
                throw TemplateException.At($"{path}.{name}", $"Unknown Property {name}", document);
        }
        if (type is Resources.Heat.NoneType)
            return (JsonObject)resolved.DeepClone();
        foreach (var (name, schema) in type.Properties)
        {
            var value = resolved[name];
            if (value is null)
            {
                if (schema.Required)
                    throw TemplateException.At(path, $"Property {name} not assigned", document);
                continue;
            }
            result[name] = Coerce(schema.Type, value, $"{path}.{name}", document);
        }
        return result;
    }

    private static JsonNode? Coerce(string type, JsonNode value, string path, TemplateDocument? document)
    {
        var text = value is JsonValue ? TemplateFunctions.PlainText(value) : null;
        switch (type)
        {
            case "string":
                return value is JsonValue ? JsonValue.Create(text) : throw TemplateException.At(path, $"Value must be a string; got {value.ToJsonString()}", document);
            case "integer":
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? JsonValue.Create(i) : throw TemplateException.At(path, $"Value '{text ?? value.ToJsonString()}' is not an integer", document);
            case "number":
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? JsonValue.Create(d) : throw TemplateException.At(path, $"Value '{text ?? value.ToJsonString()}' is not a number", document);
            case "boolean":
                return text?.ToLowerInvariant() switch
                {
                    "true" or "yes" or "on" or "1" or "t" or "y" => JsonValue.Create(true),
                    "false" or "no" or "off" or "0" or "f" or "n" => JsonValue.Create(false),
                    _ => throw TemplateException.At(path, $"Unrecognized value \"{text ?? value.ToJsonString()}\", acceptable values are: true, false", document),
                };
            case "list":
                return value is JsonArray ? value.DeepClone() : throw TemplateException.At(path, $"Value must be a list; got {value.ToJsonString()}", document);
            case "map":
                return value is JsonObject ? value.DeepClone() : throw TemplateException.At(path, $"Value must be a map; got {value.ToJsonString()}", document);
            default:
                return value.DeepClone();
        }
    }

    public static bool IsBoolean(JsonNode? node) => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False;
}
