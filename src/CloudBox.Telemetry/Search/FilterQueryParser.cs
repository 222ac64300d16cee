using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudBox.Telemetry.Search;

/// <summary>
/// Gnocchi's string form of a filter, as <c>openstack metric resource search</c> sends it in
/// <c>?filter=</c>: <c>type = instance and (project_id = 'p' or not ended_at != null)</c>, values
/// as identifiers, quoted strings, numbers, null/none, true/false or <c>[a, b]</c> lists; turned
/// into the JSON form.
/// </summary>
internal sealed class FilterQueryParser
{
    private static readonly string[] Operators = [">=", "<=", "!=", "==", "≠", "≥", "≤", ">", "<", "="];
    private static readonly HashSet<string> WordOperators = ["eq", "ne", "lt", "gt", "ge", "le", "in", "like"];

    private readonly List<(string Kind, string Text)> _tokens;
    private int _position;

    private FilterQueryParser(List<(string, string)> tokens) => _tokens = tokens;

    /// <summary>Throws <see cref="FormatException"/> with the reason when the text is not a filter.</summary>
    public static JsonNode Parse(string text)
    {
        var parser = new FilterQueryParser(Tokenise(text));
        var result = parser.ParseOr();
        if (parser._position != parser._tokens.Count)
            throw new FormatException($"Unexpected '{parser._tokens[parser._position].Text}'");
        return result;
    }

    private JsonNode ParseOr()
    {
        var left = ParseAnd();
        var terms = new JsonArray { left };
        while (PeekWord("or") || PeekWord("∨"))
        {
            _position++;
            terms.Add(ParseAnd());
        }
        return terms.Count == 1 ? Detach(terms, 0) : new JsonObject { ["or"] = terms };
    }

    private JsonNode ParseAnd()
    {
        var terms = new JsonArray { ParseNot() };
        while (PeekWord("and") || PeekWord("∧"))
        {
            _position++;
            terms.Add(ParseNot());
        }
        return terms.Count == 1 ? Detach(terms, 0) : new JsonObject { ["and"] = terms };
    }

    private static JsonNode Detach(JsonArray array, int index)
    {
        var node = array[index]!;
        array.RemoveAt(index);
        return node;
    }

    private JsonNode ParseNot()
    {
        if (PeekWord("not"))
        {
            _position++;
            return new JsonObject { ["not"] = ParseNot() };
        }
        if (Peek("(") )
        {
            _position++;
            var inner = ParseOr();
            Expect(")");
            return inner;
        }
        return ParseCondition();
    }

    private JsonNode ParseCondition()
    {
        var attribute = Next("an attribute");
        if (attribute.Kind != "word")
            throw new FormatException($"Expected an attribute name, found '{attribute.Text}'");
        var op = Next("an operator");
        if (op.Kind != "op" && !(op.Kind == "word" && WordOperators.Contains(op.Text)))
            throw new FormatException($"Expected an operator after {attribute.Text}, found '{op.Text}'");
        var value = ParseValue();
        return new JsonObject { [op.Text] = new JsonObject { [attribute.Text] = value } };
    }

    private JsonNode? ParseValue()
    {
        if (Peek("["))
        {
            _position++;
            var list = new JsonArray();
            while (!Peek("]"))
            {
                list.Add(ParseValue());
                if (Peek(","))
                    _position++;
                else
                    break;
            }
            Expect("]");
            return list;
        }
        var token = Next("a value");
        if (token.Kind == "string")
            return JsonValue.Create(token.Text);
        if (token.Kind != "word")
            throw new FormatException($"Expected a value, found '{token.Text}'");
        return token.Text switch
        {
            "null" or "None" or "none" => null,
            "true" or "True" => JsonValue.Create(true),
            "false" or "False" => JsonValue.Create(false),
            _ when IsNumber(token.Text) => JsonValue.Create(double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(token.Text),
        };
    }

    private static bool IsNumber(string text) =>
        text.Length > 0 && (char.IsDigit(text[0]) || (text.Length > 1 && text[0] is '+' or '-' && char.IsDigit(text[1])))
        && !Guid.TryParse(text, out _) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private bool Peek(string symbol) => _position < _tokens.Count && _tokens[_position].Kind == "punct" && _tokens[_position].Text == symbol;

    private bool PeekWord(string word) => _position < _tokens.Count && _tokens[_position].Kind == "word" && _tokens[_position].Text == word;

    private void Expect(string symbol)
    {
        if (!Peek(symbol))
            throw new FormatException($"Expected '{symbol}'");
        _position++;
    }

    private (string Kind, string Text) Next(string what) =>
        _position < _tokens.Count ? _tokens[_position++] : throw new FormatException($"Expected {what} at the end of the filter");

    private static List<(string, string)> Tokenise(string text)
    {
        var tokens = new List<(string, string)>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c is '(' or ')' or '[' or ']' or ',')
            {
                tokens.Add(("punct", c.ToString()));
                i++;
                continue;
            }
            if (c is '\'' or '"')
            {
                var end = text.IndexOf(c, i + 1);
                if (end < 0)
                    throw new FormatException("Unterminated quoted string");
                tokens.Add(("string", text[(i + 1)..end]));
                i = end + 1;
                continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(text, i, o, 0, o.Length) == 0);
            if (op is not null)
            {
                tokens.Add(("op", op));
                i += op.Length;
                continue;
            }
            if (c is '∧' or '∨')
            {
                tokens.Add(("word", c.ToString()));
                i++;
                continue;
            }
            var word = new StringBuilder();
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '-' or '.' or ':' or '+'))
                word.Append(text[i++]);
            if (word.Length == 0)
                throw new FormatException($"Unexpected character '{c}'");
            tokens.Add(("word", word.ToString()));
        }
        return tokens;
    }
}
