using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;

namespace CloudBox.Telemetry.Alarms;

/// <summary>
/// Aodh's complex query (<c>POST /v2/query/alarms</c>, which <c>openstack alarm show --name</c>
/// uses): <c>{"=": {"name": "x"}}</c> with =, !=, &lt;, &lt;=, &gt;, &gt;=, in, and, or, not over
/// the alarm's fields; numbers compare as numbers, the rest as strings.
/// </summary>
internal static class AlarmQuery
{
    public static JsonNode? Parse(JsonNode? filter)
    {
        try
        {
            var node = filter is JsonValue text && text.TryGetValue<string>(out var json) ? (json.Length == 0 ? null : JsonNode.Parse(json)) : filter?.DeepClone();
            if (node is not null)
                Validate(node, 0);
            return node;
        }
        catch (JsonException)
        {
            throw ApiFault.BadRequest("Filter expression not valid: not JSON");
        }
    }

    private static void Validate(JsonNode node, int depth)
    {
        if (depth > 20 || node is not JsonObject { Count: 1 } expression)
            throw ApiFault.BadRequest("Filter expression not valid: each expression is an object with one operator");
        var (op, operand) = expression.First();
        switch (op.ToLowerInvariant())
        {
            case "and" or "or":
                if (operand is not JsonArray { Count: > 0 } parts)
                    throw ApiFault.BadRequest($"Filter expression not valid: {op} takes a non-empty list");
                foreach (var part in parts)
                    Validate(part!, depth + 1);
                break;
            case "not":
                Validate(operand!, depth + 1);
                break;
            case "=" or "!=" or "<" or "<=" or ">" or ">=" or "=<" or "=>" or "eq" or "ne" or "lt" or "le" or "gt" or "ge" or "in":
                if (operand is not JsonObject { Count: 1 })
                    throw ApiFault.BadRequest($"Filter expression not valid: {op} takes one field and its value");
                break;
            default:
                throw ApiFault.BadRequest($"Filter expression not valid: unknown operator {op}");
        }
    }

    public static bool Matches(JsonNode? filter, JsonObject alarm)
    {
        if (filter is not JsonObject expression)
            return true;
        var (op, operand) = expression.First();
        switch (op.ToLowerInvariant())
        {
            case "and": return operand!.AsArray().All(p => Matches(p, alarm));
            case "or": return operand!.AsArray().Any(p => Matches(p, alarm));
            case "not": return !Matches(operand, alarm);
        }
        var (field, expected) = operand!.AsObject().First();
        var actual = alarm[field];
        if (op.Equals("in", StringComparison.OrdinalIgnoreCase))
            return expected is JsonArray options && options.Any(o => Compare(actual, o) == 0);
        var comparison = Compare(actual, expected);
        if (comparison is null)
            return op is "!=" or "ne";
        return op.ToLowerInvariant() switch
        {
            "=" or "eq" => comparison == 0,
            "!=" or "ne" => comparison != 0,
            "<" or "lt" => comparison < 0,
            "<=" or "=<" or "le" => comparison <= 0,
            ">" or "gt" => comparison > 0,
            _ => comparison >= 0,
        };
    }

    private static int? Compare(JsonNode? actual, JsonNode? expected)
    {
        if (actual is null || expected is null)
            return null;
        static string Text(JsonNode node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();
        var (a, e) = (Text(actual), Text(expected));
        if (double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.TryParse(e, NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
            return x.CompareTo(y);
        return string.Compare(a, e, StringComparison.OrdinalIgnoreCase) == 0 ? 0 : string.CompareOrdinal(a, e);
    }
}
