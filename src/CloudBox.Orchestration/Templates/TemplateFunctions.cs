using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Templates;

/// <summary>
/// Resolves HOT's intrinsic functions in a snippet: a map with one key that names a function of
/// the template's version is a call; anything else is data, resolved member by member. A key that
/// names a function of another version is refused, naming the path.
/// </summary>
internal sealed class TemplateFunctions(HotVersion version, IResolveScope scope, TemplateDocument? document = null)
{
    /// <summary>Bounds on what functions can build, so a template cannot make the engine allocate without end.</summary>
    public const int MaxListItems = 10_000;
    public const int MaxStringLength = 1024 * 1024;

    public HotVersion Version => version;

    public JsonNode? Resolve(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count == 1:
                var (key, args) = obj.First();
                if (version.Supports(key))
                    return Call(key, args, TemplateDocument.Join(path, key));
                if (HotVersion.AnyFunction.Contains(key) || key.StartsWith("Fn::", StringComparison.Ordinal))
                    throw Fail(path, $"\"{key}\" is not a function supported in HOT version {version.Date}.");
                return new JsonObject { [key] = Resolve(args, TemplateDocument.Join(path, key)) };
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (k, v) in obj)
                    copy[k] = Resolve(v, TemplateDocument.Join(path, k));
                return copy;
            case JsonArray array:
                var list = new JsonArray();
                var i = 0;
                foreach (var item in array)
                    list.Add(Resolve(item, TemplateDocument.Join(path, (i++).ToString(CultureInfo.InvariantCulture))));
                return list;
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>A condition: a boolean, a condition's name, or an expression of the version's condition functions.</summary>
    public bool ResolveCondition(JsonNode? node, string path)
    {
        switch (node)
        {
            case null:
                return false;
            case JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return value.GetValue<bool>();
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return scope.Condition(value.GetValue<string>(), path);
            case JsonObject obj when obj.Count == 1:
                var (key, args) = obj.First();
                if (!version.Supports(key) || key is "get_param" || !IsConditionFunction(key))
                    throw Fail(path, $"\"{key}\" is not a condition function in HOT version {version.Date}.");
                return AsBool(Call(key, args, TemplateDocument.Join(path, key)), path);
            default:
                throw Fail(path, "A condition must be a boolean, a condition name or a condition function.");
        }
    }

    private static bool IsConditionFunction(string key) => key is "equals" or "not" or "and" or "or" or "contains" or "if";

    private JsonNode? Call(string name, JsonNode? args, string path) => name switch
    {
        "get_param" => GetParam(args, path),
        "get_resource" => scope.GetResource(String(Resolve(args, path), path), path),
        "get_attr" => GetAttr(args, path),
        "get_file" => JsonValue.Create(scope.GetFile(String(Resolve(args, path), path), path)),
        "str_replace" => StrReplace(args, path, strict: false, veryStrict: false),
        "str_replace_strict" => StrReplace(args, path, strict: true, veryStrict: false),
        "str_replace_vstrict" => StrReplace(args, path, strict: true, veryStrict: true),
        "list_join" => ListJoin(args, path),
        "str_split" => StrSplit(args, path),
        "repeat" => Repeat(args, path),
        "map_merge" => MapMerge(args, path),
        "map_replace" => MapReplace(args, path),
        "digest" => Digest(args, path),
        "resource_facade" => scope.ResourceFacade(String(Resolve(args, path), path), path),
        "if" => If(args, path),
        "equals" => Equals(args, path),
        "not" => JsonValue.Create(!ResolveCondition(args is JsonArray { Count: 1 } one ? one[0] : args, path)),
        "and" => JsonValue.Create(Conditions(args, path, 2).All(c => c)),
        "or" => JsonValue.Create(Conditions(args, path, 2).Any(c => c)),
        "contains" => Contains(args, path),
        "filter" => Filter(args, path),
        "make_url" => MakeUrl(args, path),
        "list_concat" => ListConcat(args, path, unique: false),
        "list_concat_unique" => ListConcat(args, path, unique: true),
        _ => throw Fail(path, $"\"{name}\" is not implemented."),
    };

    private JsonNode? GetParam(JsonNode? args, string path)
    {
        var resolved = Resolve(args, path);
        var parts = resolved is JsonArray array ? array.ToList() : [resolved];
        if (parts.Count == 0)
            throw Fail(path, "get_param needs a parameter name.");
        var value = scope.GetParam(String(parts[0], path), path);
        return Index(value?.DeepClone(), parts.Skip(1), path);
    }

    private JsonNode? GetAttr(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray { Count: >= 1 } parts)
            throw Fail(path, "Arguments to \"get_attr\" must be of the form [resource_name, attribute, (path), ...]");
        var resource = String(parts[0], path);
        if (parts.Count == 1)
        {
            if (string.CompareOrdinal(version.Date, "2015-10-15") < 0)
                throw Fail(path, "Arguments to \"get_attr\" must be of the form [resource_name, attribute, (path), ...]");
            return scope.GetAttr(resource, null, path)?.DeepClone();
        }
        var value = scope.GetAttr(resource, String(parts[1], path), path);
        return Index(value?.DeepClone(), parts.Skip(2), path);
    }

    /// <summary>Follows keys (maps) and indexes (lists) into a value; a missing step gives null, as Heat does.</summary>
    private JsonNode? Index(JsonNode? value, IEnumerable<JsonNode?> keys, string path)
    {
        foreach (var key in keys)
        {
            value = value switch
            {
                JsonObject obj => obj[Scalar(key, path)]?.DeepClone(),
                JsonArray list => int.TryParse(Scalar(key, path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < list.Count
                    ? list[i]?.DeepClone()
                    : null,
                null => null,
                _ => throw Fail(path, $"Cannot index a {value.GetValueKind().ToString().ToLowerInvariant()} with '{Scalar(key, path)}'."),
            };
        }
        return value;
    }

    private JsonNode? StrReplace(JsonNode? args, string path, bool strict, bool veryStrict)
    {
        if (args is not JsonObject obj || !obj.TryGetPropertyValue("template", out var template) || !obj.TryGetPropertyValue("params", out var paramsNode))
            throw Fail(path, "Arguments to \"str_replace\" must be a map with \"template\" and \"params\".");
        var text = String(Resolve(template, TemplateDocument.Join(path, "template")), TemplateDocument.Join(path, "template"));
        if (Resolve(paramsNode, TemplateDocument.Join(path, "params")) is not JsonObject mapping)
            throw Fail(TemplateDocument.Join(path, "params"), "\"params\" must be a map.");
        // Longest keys first, so a key that is a prefix of another never takes its place.
        foreach (var (key, value) in mapping.OrderByDescending(p => p.Key.Length))
        {
            var replacement = Text(value, path);
            if (strict && !text.Contains(key, StringComparison.Ordinal))
                throw Fail(path, $"The following params were not found in the template: '{key}'");
            if (veryStrict && replacement.Length == 0)
                throw Fail(path, $"str_replace_vstrict has an empty value for '{key}'.");
            text = text.Replace(key, replacement, StringComparison.Ordinal);
            CheckLength(text, path);
        }
        return JsonValue.Create(text);
    }

    private JsonNode? ListJoin(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray { Count: >= 2 } parts)
            throw Fail(path, "Arguments to \"list_join\" must be of the form [delimiter, [list], ...].");
        var delimiter = String(parts[0], path);
        var items = new List<string>();
        foreach (var list in parts.Skip(1))
        {
            if (list is not JsonArray array)
                throw Fail(path, "list_join joins lists.");
            foreach (var item in array)
                items.Add(Text(item, path));
        }
        var joined = string.Join(delimiter, items);
        CheckLength(joined, path);
        return JsonValue.Create(joined);
    }

    private JsonNode? StrSplit(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray { Count: 2 or 3 } parts)
            throw Fail(path, "Arguments to \"str_split\" must be [delimiter, string, (index)].");
        var pieces = String(parts[1], path).Split(String(parts[0], path));
        if (parts.Count == 2)
            return new JsonArray(pieces.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray());
        var index = Int(parts[2], path);
        if (index < 0 || index >= pieces.Length)
            throw Fail(path, $"Incorrect index to \"str_split\" should be between 0 and {pieces.Length - 1}");
        return JsonValue.Create(pieces[index]);
    }

    private JsonNode? Repeat(JsonNode? args, string path)
    {
        if (args is not JsonObject obj || obj["for_each"] is null || !obj.ContainsKey("template"))
            throw Fail(path, "Arguments to \"repeat\" must be a map with \"for_each\" and \"template\".");
        if (Resolve(obj["for_each"], TemplateDocument.Join(path, "for_each")) is not JsonObject forEach || forEach.Count == 0)
            throw Fail(TemplateDocument.Join(path, "for_each"), "\"for_each\" must be a non-empty map of lists.");
        var permutations = obj["permutations"] is not JsonValue p || p.GetValueKind() != JsonValueKind.False;
        var keys = new List<string>();
        var lists = new List<JsonArray>();
        foreach (var (key, value) in forEach)
        {
            keys.Add(key);
            lists.Add(value as JsonArray ?? throw Fail(TemplateDocument.Join(path, $"for_each.{key}"), "The values of \"for_each\" must be lists."));
        }
        var combinations = new List<JsonNode?[]>();
        if (permutations)
        {
            long total = 1;
            foreach (var list in lists)
                total *= list.Count;
            if (total > MaxListItems)
                throw Fail(path, $"repeat would produce {total} items; at most {MaxListItems} are allowed.");
            var counters = new int[lists.Count];
            for (var n = 0; n < total; n++)
            {
                var combination = new JsonNode?[lists.Count];
                var rest = n;
                for (var k = lists.Count - 1; k >= 0; k--)
                {
                    combination[k] = lists[k][rest % lists[k].Count];
                    rest /= lists[k].Count;
                }
                combinations.Add(combination);
            }
        }
        else
        {
            var count = lists[0].Count;
            if (lists.Any(l => l.Count != count))
                throw Fail(path, "With permutations false, every \"for_each\" list must have the same length.");
            for (var n = 0; n < count; n++)
                combinations.Add(lists.Select(l => l[n]).ToArray());
        }
        var result = new JsonArray();
        foreach (var combination in combinations)
        {
            var item = obj["template"]?.DeepClone();
            for (var k = 0; k < keys.Count; k++)
                item = Substitute(item, keys[k], combination[k]);
            result.Add(Resolve(item, TemplateDocument.Join(path, "template")));
        }
        return result;
    }

    /// <summary>Replaces <paramref name="key"/> in every string (keys and values) of a template snippet.</summary>
    private static JsonNode? Substitute(JsonNode? node, string key, JsonNode? value)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (k, v) in obj)
                    copy[k.Replace(key, PlainText(value), StringComparison.Ordinal)] = Substitute(v, key, value);
                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(i => Substitute(i, key, value)).ToArray());
            case JsonValue s when s.GetValueKind() == JsonValueKind.String:
                var text = s.GetValue<string>();
                if (text == key)
                    return value?.DeepClone();
                return JsonValue.Create(text.Replace(key, PlainText(value), StringComparison.Ordinal));
            default:
                return node?.DeepClone();
        }
    }

    private JsonNode? MapMerge(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray maps)
            throw Fail(path, "Arguments to \"map_merge\" must be a list of maps.");
        var merged = new JsonObject();
        foreach (var map in maps)
        {
            if (map is null)
                continue;
            if (map is not JsonObject obj)
                throw Fail(path, "Arguments to \"map_merge\" must be a list of maps.");
            foreach (var (k, v) in obj)
                merged[k] = v?.DeepClone();
        }
        return merged;
    }

    private JsonNode? MapReplace(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray { Count: 2 } parts || parts[0] is not JsonObject map || parts[1] is not JsonObject rules)
            throw Fail(path, "Arguments to \"map_replace\" must be [map, {keys: {...}, values: {...}}].");
        var keys = rules["keys"] as JsonObject ?? new JsonObject();
        var values = rules["values"] as JsonObject ?? new JsonObject();
        var result = new JsonObject();
        foreach (var (k, v) in map)
        {
            var newKey = keys[k] is { } replaced ? String(replaced, path) : k;
            if (result.ContainsKey(newKey))
                throw Fail(path, $"key replacement {newKey} collides with a key in the input map");
            var newValue = v is JsonValue scalar && values[Scalar(scalar, path)] is { } nv ? nv.DeepClone() : v?.DeepClone();
            result[newKey] = newValue;
        }
        return result;
    }

    private JsonNode? Digest(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray { Count: 2 } parts)
            throw Fail(path, "Arguments to \"digest\" must be [algorithm, value].");
        var data = Encoding.UTF8.GetBytes(String(parts[1], path));
        byte[] hash = String(parts[0], path) switch
        {
            "md5" => MD5.HashData(data),
            "sha1" => SHA1.HashData(data),
            "sha256" => SHA256.HashData(data),
            "sha384" => SHA384.HashData(data),
            "sha512" => SHA512.HashData(data),
            var other => throw Fail(path, $"Algorithm {other} is not supported (md5, sha1, sha256, sha384, sha512)."),
        };
        return JsonValue.Create(Convert.ToHexStringLower(hash));
    }

    private JsonNode? If(JsonNode? args, string path)
    {
        if (args is not JsonArray { Count: 2 or 3 } parts)
            throw Fail(path, "Arguments to \"if\" must be [condition, value_if_true, (value_if_false)].");
        var condition = ResolveCondition(parts[0], TemplateDocument.Join(path, "0"));
        if (condition)
            return Resolve(parts[1], TemplateDocument.Join(path, "1"));
        return parts.Count == 3 ? Resolve(parts[2], TemplateDocument.Join(path, "2")) : null;
    }

    private JsonValue Equals(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray { Count: 2 } parts)
            throw Fail(path, "Arguments to \"equals\" must be [value_1, value_2].");
        return JsonValue.Create(JsonNode.DeepEquals(parts[0], parts[1]));
    }

    private List<bool> Conditions(JsonNode? args, string path, int minimum)
    {
        if (args is not JsonArray { Count: var n } list || n < minimum)
            throw Fail(path, $"The minimum number of conditions is {minimum}.");
        return list.Select((c, i) => ResolveCondition(c, TemplateDocument.Join(path, i.ToString(CultureInfo.InvariantCulture)))).ToList();
    }

    private JsonValue Contains(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray { Count: 2 } parts || parts[1] is not JsonArray sequence)
            throw Fail(path, "Arguments to \"contains\" must be [value, sequence].");
        return JsonValue.Create(sequence.Any(item => JsonNode.DeepEquals(item, parts[0])));
    }

    private JsonNode? Filter(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonArray { Count: 2 } parts || parts[1] is not JsonArray sequence)
            throw Fail(path, "Arguments to \"filter\" must be [values_to_filter, sequence].");
        var remove = parts[0] as JsonArray ?? new JsonArray(parts[0]?.DeepClone());
        return new JsonArray(sequence.Where(item => !remove.Any(r => JsonNode.DeepEquals(r, item))).Select(i => i?.DeepClone()).ToArray());
    }

    private JsonNode? MakeUrl(JsonNode? args, string path)
    {
        if (Resolve(args, path) is not JsonObject parts)
            throw Fail(path, "Arguments to \"make_url\" must be a map.");
        foreach (var (key, _) in parts)
        {
            if (key is not ("scheme" or "username" or "password" or "host" or "port" or "path" or "query" or "fragment"))
                throw Fail(path, $"Unknown make_url argument \"{key}\".");
        }
        var url = new StringBuilder();
        if (parts["scheme"] is { } scheme)
            url.Append(String(scheme, path)).Append("://");
        if (parts["username"] is { } user)
        {
            url.Append(Uri.EscapeDataString(String(user, path)));
            if (parts["password"] is { } password)
                url.Append(':').Append(Uri.EscapeDataString(String(password, path)));
            url.Append('@');
        }
        var host = parts["host"] is { } h ? String(h, path) : "";
        url.Append(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host);
        if (parts["port"] is { } port)
        {
            var number = Int(port, path);
            if (number is < 1 or > 65535)
                throw Fail(path, $"Invalid URL port {number}");
            url.Append(':').Append(number.ToString(CultureInfo.InvariantCulture));
        }
        var urlPath = parts["path"] is { } p ? String(p, path) : "";
        if (urlPath.Length > 0 && !urlPath.StartsWith('/'))
            url.Append('/');
        url.Append(string.Join('/', urlPath.Split('/').Select(Uri.EscapeDataString)));
        if (parts["query"] is JsonObject query && query.Count > 0)
            url.Append('?').Append(string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(Text(q.Value, path))}")));
        if (parts["fragment"] is { } fragment)
            url.Append('#').Append(Uri.EscapeDataString(String(fragment, path)));
        return JsonValue.Create(url.ToString());
    }

    private JsonNode? ListConcat(JsonNode? args, string path, bool unique)
    {
        if (Resolve(args, path) is not JsonArray lists)
            throw Fail(path, "Arguments to \"list_concat\" must be a list of lists.");
        var result = new JsonArray();
        foreach (var list in lists)
        {
            if (list is null)
                continue;
            if (list is not JsonArray items)
                throw Fail(path, "Incorrect arguments to \"list_concat\": every item must be a list.");
            foreach (var item in items)
            {
                if (unique && result.Any(r => JsonNode.DeepEquals(r, item)))
                    continue;
                if (result.Count >= MaxListItems)
                    throw Fail(path, $"The list would hold more than {MaxListItems} items.");
                result.Add(item?.DeepClone());
            }
        }
        return result;
    }

    private bool AsBool(JsonNode? node, string path) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : throw Fail(path, "A condition function must give a boolean.");

    private string String(JsonNode? node, string path) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() :
        node is JsonValue n && n.GetValueKind() == JsonValueKind.Number ? n.ToJsonString() :
        throw Fail(path, $"Expected a string, got {Kind(node)}.");

    private string Scalar(JsonNode? node, string path) => node is JsonValue ? Text(node, path) : throw Fail(path, $"Expected a key or index, got {Kind(node)}.");

    private int Int(JsonNode? node, string path) =>
        int.TryParse(Text(node, path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw Fail(path, $"Expected an integer, got {Kind(node)}.");

    /// <summary>How Heat turns a value into text in str_replace and list_join: strings as they are, others as JSON.</summary>
    private string Text(JsonNode? node, string path) => PlainText(node);

    internal static string PlainText(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "true",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "false",
        _ => node.ToJsonString(),
    };

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "a map",
        JsonArray => "a list",
        _ => node.GetValueKind().ToString().ToLowerInvariant(),
    };

    private void CheckLength(string text, string path)
    {
        if (text.Length > MaxStringLength)
            throw Fail(path, $"The result is longer than {MaxStringLength} characters.");
    }

    private TemplateException Fail(string path, string message) => TemplateException.At(path, message, document);
}
