namespace CloudBox.Core.Api.Policy;

/// <summary>
/// Parses oslo.policy's text rules: <c>@</c>, <c>!</c>, <c>kind:match</c> checks, <c>not</c>,
/// <c>and</c>, <c>or</c> (and binding tighter than or) and parentheses. An empty rule allows all.
/// </summary>
public static class PolicyParser
{
    public static PolicyRule Parse(string text)
    {
        var tokens = Tokenize(text);
        if (tokens.Count == 0)
            return new PolicyRule.Always(true);
        var position = 0;
        var rule = ParseOr(tokens, ref position);
        if (position != tokens.Count)
            throw new FormatException($"Unexpected '{tokens[position]}' in policy rule '{text}'.");
        return rule;
    }

    private static PolicyRule ParseOr(List<string> tokens, ref int position)
    {
        var parts = new List<PolicyRule> { ParseAnd(tokens, ref position) };
        while (position < tokens.Count && tokens[position] == "or")
        {
            position++;
            parts.Add(ParseAnd(tokens, ref position));
        }
        return parts.Count == 1 ? parts[0] : new PolicyRule.Or([.. parts]);
    }

    private static PolicyRule ParseAnd(List<string> tokens, ref int position)
    {
        var parts = new List<PolicyRule> { ParseNot(tokens, ref position) };
        while (position < tokens.Count && tokens[position] == "and")
        {
            position++;
            parts.Add(ParseNot(tokens, ref position));
        }
        return parts.Count == 1 ? parts[0] : new PolicyRule.And([.. parts]);
    }

    private static PolicyRule ParseNot(List<string> tokens, ref int position)
    {
        if (position < tokens.Count && tokens[position] == "not")
        {
            position++;
            return new PolicyRule.Not(ParseNot(tokens, ref position));
        }
        return ParseAtom(tokens, ref position);
    }

    private static PolicyRule ParseAtom(List<string> tokens, ref int position)
    {
        if (position >= tokens.Count)
            throw new FormatException("Policy rule ends where a check was expected.");

        var token = tokens[position++];
        if (token == "(")
        {
            var inner = ParseOr(tokens, ref position);
            if (position >= tokens.Count || tokens[position] != ")")
                throw new FormatException("Policy rule has an unclosed parenthesis.");
            position++;
            return inner;
        }
        return token switch
        {
            "@" => new PolicyRule.Always(true),
            "!" => new PolicyRule.Always(false),
            _ => ParseCheck(token),
        };
    }

    private static PolicyRule ParseCheck(string token)
    {
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
            throw new FormatException($"'{token}' is not a policy check (expected kind:match).");
        var kind = token[..colon];
        var match = token[(colon + 1)..];
        return kind switch
        {
            "role" => new PolicyRule.Role(match),
            "rule" => new PolicyRule.Reference(match),
            _ => new PolicyRule.Generic(kind, match),
        };
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        foreach (var raw in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var word = raw;
            while (word.StartsWith('('))
            {
                tokens.Add("(");
                word = word[1..];
            }
            var closing = 0;
            // A closing parenthesis is stripped unless it ends a "%(target.x)s" substitution.
            while (word.EndsWith(')') && !word.EndsWith(")s", StringComparison.Ordinal))
            {
                closing++;
                word = word[..^1];
            }
            if (word.Length > 0)
                tokens.Add(word);
            for (var i = 0; i < closing; i++)
                tokens.Add(")");
        }
        return tokens;
    }
}
