using System.Globalization;
using System.Text.Json.Nodes;

namespace CloudBox.Telemetry.Aggregates;

/// <summary>
/// The aggregates API's operations: the string form <c>(aggregate mean (metric cpu mean))</c> or
/// the same as nested JSON lists, turned into nested lists of strings and numbers.
/// </summary>
internal static class OperationParser
{
    public static JsonNode Parse(JsonNode? operations)
    {
        switch (operations)
        {
            case JsonArray list:
                return list;
            case JsonValue value when value.TryGetValue<string>(out var text):
                var position = 0;
                var tokens = Tokenise(text);
                var node = ParseNode(tokens, ref position);
                if (position != tokens.Count)
                    throw new FormatException($"Unexpected '{tokens[position]}' in operations");
                return node;
            default:
                throw new FormatException("Operations must be a string or a list");
        }
    }

    private static List<string> Tokenise(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) || c == ',')
            {
                i++;
            }
            else if (c is '(' or ')' or '[' or ']')
            {
                tokens.Add(c is '[' ? "(" : c is ']' ? ")" : c.ToString());
                i++;
            }
            else if (c is '"' or '\'')
            {
                var end = text.IndexOf(c, i + 1);
                if (end < 0)
                    throw new FormatException("Unterminated string in operations");
                tokens.Add("\u0001" + text[(i + 1)..end]);
                i = end + 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')' and not '[' and not ']' and not ',')
                    i++;
                tokens.Add(text[start..i]);
            }
        }
        return tokens;
    }

    private static JsonNode ParseNode(List<string> tokens, ref int position)
    {
        if (position >= tokens.Count)
            throw new FormatException("Operations end too early");
        var token = tokens[position++];
        if (token == ")")
            throw new FormatException("Unexpected ')' in operations");
        if (token != "(")
        {
            if (token.StartsWith('\u0001'))
                return JsonValue.Create(token[1..]);
            return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !Guid.TryParse(token, out _)
                ? JsonValue.Create(number)
                : JsonValue.Create(token);
        }
        var list = new JsonArray();
        while (position < tokens.Count && tokens[position] != ")")
            list.Add(ParseNode(tokens, ref position));
        if (position >= tokens.Count)
            throw new FormatException("Missing ')' in operations");
        position++;
        return list;
    }

    /// <summary>The (metric, aggregation) pairs the operations read, in order of appearance.</summary>
    public static List<(string Metric, string Aggregation)> References(JsonNode node)
    {
        var result = new List<(string, string)>();
        Collect(node, result);
        return result;
    }

    private static void Collect(JsonNode? node, List<(string, string)> into)
    {
        if (node is not JsonArray list || list.Count == 0)
            return;
        if (list[0] is JsonValue head && head.TryGetValue<string>(out var op) && op == "metric")
        {
            if (list.Count == 3 && list[1] is JsonValue && list[2] is JsonValue)
            {
                into.Add((Text(list[1]), Text(list[2])));
                return;
            }
            for (var i = 1; i < list.Count; i++)
            {
                if (list[i] is JsonArray pair && pair.Count == 2)
                    into.Add((Text(pair[0]), Text(pair[1])));
                else
                    throw new FormatException("'metric' takes a metric and an aggregation, or a list of [metric, aggregation] pairs");
            }
            return;
        }
        foreach (var child in list)
            Collect(child, into);
    }

    public static string Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text)
        ? text
        : node?.ToJsonString() ?? "";
}
