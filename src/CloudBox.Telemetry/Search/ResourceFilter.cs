using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CloudBox.Telemetry.Search;

/// <summary>
/// Gnocchi's resource filter (JSON form): <c>{"=": {"attr": value}}</c> with =, ==, eq, !=, ≠, ne,
/// &lt;, lt, &gt;, gt, &lt;=, ≤, le, &gt;=, ≥, ge, in, like; combined by and/∧, or/∨ and not. Evaluated over a
/// resource as the API shows it; instants compare as instants, numbers as numbers.
/// </summary>
internal static class ResourceFilter
{
    /// <summary>Throws <see cref="FormatException"/> when <paramref name="filter"/> is not a valid filter.</summary>
    public static void Validate(JsonNode? filter)
    {
        if (filter is null)
            return;
        if (filter is not JsonObject obj || obj.Count != 1)
            throw new FormatException("A filter is an object with exactly one operator.");
        var (op, operand) = obj.First();
        switch (op)
        {
            case "and" or "or" or "∧" or "∨":
                if (operand is not JsonArray list || list.Count == 0)
                    throw new FormatException($"'{op}' takes a non-empty list of filters.");
                foreach (var item in list)
                    Validate(item);
                return;
            case "not":
                Validate(operand);
                return;
            default:
                if (!IsComparison(op))
                    throw new FormatException($"Unknown operator '{op}'.");
                if (operand is not JsonObject comparison || comparison.Count != 1)
                    throw new FormatException($"'{op}' takes an object with exactly one attribute.");
                var value = comparison.First().Value;
                if (op == "in" && (value is not JsonArray values || values.Count == 0))
                    throw new FormatException("'in' takes a non-empty list of values.");
                if (op != "in" && value is JsonObject or JsonArray)
                    throw new FormatException($"'{op}' compares with a single value.");
                return;
        }
    }

    private static bool IsComparison(string op) => op is "=" or "==" or "eq" or "!=" or "≠" or "ne" or "<" or "lt" or ">" or "gt"
        or "<=" or "≤" or "le" or ">=" or "≥" or "ge" or "in" or "like";

    public static bool Matches(JsonNode? filter, JsonObject resource)
    {
        if (filter is not JsonObject obj || obj.Count == 0)
            return true;
        var (op, operand) = obj.First();
        switch (op)
        {
            case "and" or "∧":
                foreach (var item in operand!.AsArray())
                {
                    if (!Matches(item, resource))
                        return false;
                }
                return true;
            case "or" or "∨":
                foreach (var item in operand!.AsArray())
                {
                    if (Matches(item, resource))
                        return true;
                }
                return false;
            case "not":
                return !Matches(operand, resource);
        }
        var (attribute, expected) = operand!.AsObject().First();
        var actual = Lookup(resource, attribute);
        switch (op)
        {
            case "in":
                foreach (var candidate in expected!.AsArray())
                {
                    if (Compare(actual, candidate) == 0)
                        return true;
                }
                return false;
            case "like":
                return actual is JsonValue && expected is JsonValue && Like(Text(actual), Text(expected));
        }
        var order = Compare(actual, expected);
        return op switch
        {
            "=" or "==" or "eq" => order == 0,
            "!=" or "≠" or "ne" => order != 0,
            "<" or "lt" => order is < 0 and not int.MinValue,
            ">" or "gt" => order is > 0 and not int.MaxValue,
            "<=" or "≤" or "le" => order is <= 0 and not int.MinValue,
            ">=" or "≥" or "ge" => order is >= 0 and not int.MaxValue,
            _ => false,
        };
    }

    private static JsonNode? Lookup(JsonObject resource, string attribute) => attribute switch
    {
        "created_by_project_id" or "created_by_user_id" or _ => resource[attribute],
    };

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => Number(value).ToString("R", CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    /// <summary>Orders two values: 0 equal; int.MinValue/MaxValue when not comparable (null against a value).</summary>
    private static int Compare(JsonNode? actual, JsonNode? expected)
    {
        if (actual is null || expected is null)
            return actual is null && expected is null ? 0 : int.MaxValue;
        var a = actual.GetValueKind();
        var e = expected.GetValueKind();
        if (a == JsonValueKind.Number && e == JsonValueKind.Number)
            return Number(actual).CompareTo(Number(expected));
        if (a is JsonValueKind.True or JsonValueKind.False || e is JsonValueKind.True or JsonValueKind.False)
            return Truth(actual) == Truth(expected) ? 0 : int.MaxValue;
        var left = Text(actual);
        var right = Text(expected);
        if (LooksLikeInstant(left) && DateTimeOffset.TryParse(left, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var l)
            && DateTimeOffset.TryParse(right, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var r))
            return l.CompareTo(r);
        if (Guid.TryParse(left, out var lg) && Guid.TryParse(right, out var rg))
            return lg.CompareTo(rg);
        if (a == JsonValueKind.Number || e == JsonValueKind.Number)
        {
            if (double.TryParse(left, NumberStyles.Float, CultureInfo.InvariantCulture, out var ln)
                && double.TryParse(right, NumberStyles.Float, CultureInfo.InvariantCulture, out var rn))
                return ln.CompareTo(rn);
        }
        return Math.Sign(string.CompareOrdinal(left, right));
    }

    private static double Number(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static bool LooksLikeInstant(string text) => text.Length >= 10 && text[4] == '-' && text[7] == '-' && char.IsDigit(text[0]);

    private static bool Truth(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => string.Equals(node.GetValue<string>(), "true", StringComparison.OrdinalIgnoreCase),
        JsonValueKind.Number => Number(node) != 0,
        _ => false,
    };

    /// <summary>SQL LIKE: <c>%</c> any run, <c>_</c> one character (case-sensitive, as PostgreSQL).</summary>
    private static bool Like(string value, string pattern)
    {
        var regex = "^" + Regex.Escape(pattern).Replace("%", ".*").Replace("_", ".") + "$";
        return Regex.IsMatch(value, regex, RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }
}
