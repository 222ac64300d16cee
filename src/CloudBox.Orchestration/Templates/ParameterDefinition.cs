using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CloudBox.Orchestration.Templates;

/// <summary>
/// One entry of a template's <c>parameters</c>: its type (string, number, json,
/// comma_delimited_list, boolean), default, hidden flag and constraints; turns a value given as
/// text or JSON into the typed value functions see, and checks every constraint but the custom
/// ones (those need the cloud: <see cref="CustomConstraints"/>).
/// </summary>
internal sealed class ParameterDefinition
{
    private static readonly string[] Types = ["string", "number", "json", "comma_delimited_list", "boolean"];

    public required string Name { get; init; }
    public required string Type { get; init; }
    public JsonNode? Default { get; init; }
    public bool Hidden { get; init; }
    public bool Immutable { get; init; }
    public string? Label { get; init; }
    public string? Description { get; init; }
    public JsonArray Constraints { get; init; } = [];

    public static ParameterDefinition Parse(string name, JsonNode? node, TemplateDocument document)
    {
        var path = $"parameters.{name}";
        if (node is not JsonObject obj)
            throw TemplateException.At(path, "A parameter must be a map.", document);
        foreach (var (key, _) in obj)
        {
            if (key is not ("type" or "default" or "hidden" or "label" or "description" or "constraints" or "immutable" or "tags"))
                throw TemplateException.At($"{path}.{key}", $"Invalid key '{key}' for parameter ({name})", document);
        }
        var type = obj["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        if (type is null)
            throw TemplateException.At(path, $"Missing parameter type for parameter: {name}", document);
        if (!Types.Contains(type))
            throw TemplateException.At($"{path}.type", $"Invalid type ({type})", document);
        var constraints = obj["constraints"] switch
        {
            null => new JsonArray(),
            JsonArray list => (JsonArray)list.DeepClone(),
            _ => throw TemplateException.At($"{path}.constraints", "Invalid parameter constraints for parameter " + name + ", expected a list", document),
        };
        var definition = new ParameterDefinition
        {
            Name = name,
            Type = type,
            Default = obj["default"]?.DeepClone(),
            Hidden = obj["hidden"] is JsonValue h && h.GetValueKind() == JsonValueKind.True,
            Immutable = obj["immutable"] is JsonValue im && im.GetValueKind() == JsonValueKind.True,
            Label = obj["label"]?.ToString(),
            Description = obj["description"]?.ToString(),
            Constraints = constraints,
        };
        for (var i = 0; i < constraints.Count; i++)
        {
            if (constraints[i] is not JsonObject c || !c.Any(p => p.Key is "length" or "range" or "modulo" or "allowed_values" or "allowed_pattern" or "custom_constraint"))
                throw TemplateException.At($"{path}.constraints.{i}", "Invalid parameter constraints: expected length, range, modulo, allowed_values, allowed_pattern or custom_constraint.", document);
        }
        if (definition.Default is not null)
            definition.Convert(definition.Default, document, $"{path}.default");
        return definition;
    }

    /// <summary>The typed value of <paramref name="raw"/>, with every built-in constraint checked.</summary>
    public JsonNode? Convert(JsonNode? raw, TemplateDocument? document, string? at = null)
    {
        var path = at ?? $"parameters.{Name}";
        JsonNode? value;
        try
        {
            value = Type switch
            {
                "string" => raw is JsonValue ? JsonValue.Create(TemplateFunctions.PlainText(raw)) : throw Invalid($"Value must be a string; got {raw?.ToJsonString() ?? "null"}"),
                "number" => Number(raw),
                "boolean" => Boolean(raw),
                "comma_delimited_list" => List(raw),
                "json" => Json(raw),
                _ => raw?.DeepClone(),
            };
        }
        catch (FormatException error)
        {
            throw TemplateException.At(path, $"Parameter '{Name}' is invalid: {error.Message}", document);
        }
        foreach (var constraint in Constraints.OfType<JsonObject>())
        {
            var failure = Check(constraint, value);
            if (failure is not null)
            {
                var description = constraint["description"]?.ToString();
                throw TemplateException.At(path, $"Parameter '{Name}' is invalid: {description ?? failure}", document);
            }
        }
        return value;
    }

    /// <summary>The custom constraints (<c>nova.flavor</c>, <c>glance.image</c>…) this parameter names.</summary>
    public IEnumerable<string> CustomConstraints =>
        Constraints.OfType<JsonObject>().Select(c => c["custom_constraint"]?.ToString()).Where(c => c is not null)!;

    private static FormatException Invalid(string message) => new(message);

    private static JsonNode Number(JsonNode? raw)
    {
        var text = TemplateFunctions.PlainText(raw);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
            return JsonValue.Create(real);
        throw Invalid($"Value '{text}' is not a number");
    }

    private static JsonNode Boolean(JsonNode? raw)
    {
        var text = TemplateFunctions.PlainText(raw).ToLowerInvariant();
        return text switch
        {
            "true" or "t" or "on" or "y" or "yes" or "1" => JsonValue.Create(true),
            "false" or "f" or "off" or "n" or "no" or "0" => JsonValue.Create(false),
            _ => throw Invalid($"Unrecognized value \"{text}\", acceptable values are: true, false."),
        };
    }

    private static JsonNode List(JsonNode? raw)
    {
        if (raw is JsonArray array)
            return new JsonArray(array.Select(i => (JsonNode?)JsonValue.Create(TemplateFunctions.PlainText(i))).ToArray());
        var text = TemplateFunctions.PlainText(raw);
        if (text.Length == 0)
            return new JsonArray();
        return new JsonArray(text.Split(',').Select(s => (JsonNode?)JsonValue.Create(s.Trim())).ToArray());
    }

    private static JsonNode? Json(JsonNode? raw)
    {
        if (raw is JsonObject or JsonArray)
            return raw.DeepClone();
        var text = TemplateFunctions.PlainText(raw);
        if (text.Length == 0)
            return new JsonObject();
        try
        {
            var parsed = JsonNode.Parse(text);
            return parsed is JsonObject or JsonArray ? parsed : throw Invalid("Value must be valid JSON (a map or a list)");
        }
        catch (JsonException error)
        {
            throw Invalid($"Value must be valid JSON: {error.Message}");
        }
    }

    private string? Check(JsonObject constraint, JsonNode? value)
    {
        if (constraint["length"] is JsonObject length)
        {
            var size = value switch { JsonArray a => a.Count, JsonObject o => o.Count, _ => TemplateFunctions.PlainText(value).Length };
            var min = Bound(length["min"]);
            var max = Bound(length["max"]);
            if (min is { } lo && size < lo || max is { } hi && size > hi)
                return $"length must be {Range(min, max)}.";
        }
        if (constraint["range"] is JsonObject range)
        {
            var number = double.Parse(TemplateFunctions.PlainText(value), CultureInfo.InvariantCulture);
            var min = Bound(range["min"]);
            var max = Bound(range["max"]);
            if (min is { } lo && number < lo || max is { } hi && number > hi)
                return $"{TemplateFunctions.PlainText(value)} is out of range ({Range(min, max)}).";
        }
        if (constraint["modulo"] is JsonObject modulo && Bound(modulo["step"]) is { } step && step != 0)
        {
            var offset = Bound(modulo["offset"]) ?? 0;
            var number = double.Parse(TemplateFunctions.PlainText(value), CultureInfo.InvariantCulture);
            if ((number - offset) % step != 0)
                return $"{number} is not a multiple of {step} with an offset of {offset}.";
        }
        if (constraint["allowed_values"] is JsonArray allowed)
        {
            var items = value is JsonArray list ? list.Select(TemplateFunctions.PlainText) : [TemplateFunctions.PlainText(value)];
            foreach (var item in items)
            {
                if (!allowed.Any(a => TemplateFunctions.PlainText(a) == item))
                    return $"\"{item}\" is not an allowed value [{string.Join(", ", allowed.Select(TemplateFunctions.PlainText))}]";
            }
        }
        if (constraint["allowed_pattern"] is JsonValue pattern)
        {
            var text = TemplateFunctions.PlainText(value);
            var regex = new Regex($"^(?:{pattern.GetValue<string>()})$", RegexOptions.None, TimeSpan.FromMilliseconds(200));
            if (!regex.IsMatch(text))
                return $"\"{text}\" does not match pattern \"{pattern.GetValue<string>()}\"";
        }
        return null;
    }

    private static double? Bound(JsonNode? node) =>
        node is null ? null : double.TryParse(TemplateFunctions.PlainText(node), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static string Range(double? min, double? max) =>
        (min, max) switch
        {
            ({ } lo, { } hi) => $"in the range {lo} to {hi}",
            ({ } lo, null) => $"at least {lo}",
            (null, { } hi) => $"no more than {hi}",
            _ => "anything",
        };

    /// <summary>The parameter as <c>template validate</c> and <c>resource_types … template</c> describe it.</summary>
    public JsonObject Describe(JsonNode? value)
    {
        var description = new JsonObject
        {
            ["Type"] = Type switch { "string" => "String", "number" => "Number", "comma_delimited_list" => "CommaDelimitedList", "json" => "Json", "boolean" => "Boolean", _ => Type },
            ["Description"] = Description ?? "",
            ["Label"] = Label ?? Name,
            ["NoEcho"] = Hidden ? "true" : "false",
        };
        if (Default is not null)
            description["Default"] = Default.DeepClone();
        if (value is not null)
            description["Value"] = Hidden ? "******" : value.DeepClone();
        var allowed = Constraints.OfType<JsonObject>().Select(c => c["allowed_values"]).OfType<JsonArray>().FirstOrDefault();
        if (allowed is not null)
            description["AllowedValues"] = allowed.DeepClone();
        return description;
    }
}
