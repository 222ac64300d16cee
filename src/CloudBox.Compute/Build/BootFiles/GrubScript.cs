using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// The parsed form of a GRUB 2 script: commands (words kept raw, with their quotes, and expanded when run, as GRUB
/// does), <c>if</c>/<c>elif</c>/<c>else</c>, <c>menuentry</c> and <c>submenu</c> blocks, and <c>function</c>,
/// <c>for</c> and <c>while</c> blocks (kept, never run). Bounded: 1 MiB of text, nesting 32, 100 000 tokens.
/// </summary>
internal static class GrubScript
{
    public const int MaxText = 1 << 20;
    private const int MaxDepth = 32;
    private const int MaxTokens = 100_000;

    internal abstract record Node;
    internal sealed record Command(IReadOnlyList<string> Words) : Node;
    internal sealed record If(IReadOnlyList<(IReadOnlyList<Node> Condition, IReadOnlyList<Node> Body)> Branches, IReadOnlyList<Node>? Else) : Node;
    internal sealed record Block(string Keyword, IReadOnlyList<string> Words, IReadOnlyList<Node> Body) : Node;

    private const string Separator = "\n";

    public static IReadOnlyList<Node> Parse(string text)
    {
        if (text.Length > MaxText)
            throw new BootFormatException("grub.cfg is larger than 1 MiB");
        var tokens = Tokenize(text);
        var position = 0;
        var nodes = ParseList(tokens, ref position, 0, []);
        if (position < tokens.Count)
            throw new BootFormatException($"grub.cfg: unexpected '{tokens[position]}'");
        return nodes;
    }

    /// <summary>Words (raw, quotes kept), "\n" for a command separator, "{" and "}" for braces.</summary>
    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        void End()
        {
            if (inWord) tokens.Add(word.ToString());
            word.Clear();
            inWord = false;
            if (tokens.Count > MaxTokens) throw new BootFormatException("grub.cfg has too many words");
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                if (text[i + 1] == '\n') { i++; continue; }
                word.Append(c).Append(text[++i]);
                inWord = true;
                continue;
            }
            if (c == '\'' || c == '"')
            {
                var end = i + 1;
                while (end < text.Length && text[end] != c)
                    end += c == '"' && text[end] == '\\' ? 2 : 1;
                if (end >= text.Length) throw new BootFormatException("grub.cfg has an unterminated quote");
                word.Append(text, i, end - i + 1);
                inWord = true;
                i = end;
                continue;
            }
            if (c == '#' && !inWord)
            {
                while (i < text.Length && text[i] != '\n') i++;
                End();
                tokens.Add(Separator);
                continue;
            }
            if (c is ' ' or '\t' or '\r') { End(); continue; }
            if (c is '\n' or ';') { End(); tokens.Add(Separator); continue; }
            if ((c == '{' || c == '}') && !inWord)
            {
                var next = i + 1 < text.Length ? text[i + 1] : ' ';
                if (next is ' ' or '\t' or '\r' or '\n' or ';')
                {
                    tokens.Add(c.ToString());
                    continue;
                }
            }
            word.Append(c);
            inWord = true;
        }
        End();
        return tokens;
    }

    private static List<Node> ParseList(List<string> tokens, ref int position, int depth, string[] terminators)
    {
        if (depth > MaxDepth)
            throw new BootFormatException("grub.cfg nests too deeply");
        var nodes = new List<Node>();
        while (position < tokens.Count)
        {
            var token = tokens[position];
            if (token == Separator) { position++; continue; }
            if (terminators.Contains(token)) return nodes;
            switch (token)
            {
                case "if":
                    position++;
                    nodes.Add(ParseIf(tokens, ref position, depth));
                    break;
                case "menuentry" or "submenu" or "function":
                    nodes.Add(ParseBlock(tokens, ref position, depth));
                    break;
                case "for" or "while" or "until":
                    position++;
                    ParseList(tokens, ref position, depth + 1, ["do"]);
                    Expect(tokens, ref position, "do");
                    var loop = ParseList(tokens, ref position, depth + 1, ["done"]);
                    Expect(tokens, ref position, "done");
                    nodes.Add(new Block(token, [], loop));
                    break;
                case "{" or "}" or "then" or "elif" or "else" or "fi" or "do" or "done":
                    throw new BootFormatException($"grub.cfg: unexpected '{token}'");
                default:
                    var words = new List<string>();
                    while (position < tokens.Count && tokens[position] != Separator && tokens[position] != "}" && tokens[position] != "{")
                        words.Add(tokens[position++]);
                    nodes.Add(new Command(words));
                    break;
            }
        }
        if (terminators.Length > 0)
            throw new BootFormatException($"grub.cfg ends before '{terminators[0]}'");
        return nodes;
    }

    private static If ParseIf(List<string> tokens, ref int position, int depth)
    {
        var branches = new List<(IReadOnlyList<Node>, IReadOnlyList<Node>)>();
        while (true)
        {
            var condition = ParseList(tokens, ref position, depth + 1, ["then"]);
            Expect(tokens, ref position, "then");
            var body = ParseList(tokens, ref position, depth + 1, ["elif", "else", "fi"]);
            branches.Add((condition, body));
            var keyword = tokens[position++];
            if (keyword == "fi") return new If(branches, null);
            if (keyword == "else")
            {
                var otherwise = ParseList(tokens, ref position, depth + 1, ["fi"]);
                Expect(tokens, ref position, "fi");
                return new If(branches, otherwise);
            }
        }
    }

    private static Block ParseBlock(List<string> tokens, ref int position, int depth)
    {
        var keyword = tokens[position++];
        var words = new List<string>();
        while (position < tokens.Count && tokens[position] != "{")
        {
            if (tokens[position] != Separator || keyword == "function") words.Add(tokens[position]);
            position++;
            if (words.Count > 256) throw new BootFormatException($"grub.cfg: {keyword} has too many arguments");
        }
        words.RemoveAll(w => w == Separator);
        Expect(tokens, ref position, "{");
        var body = ParseList(tokens, ref position, depth + 1, ["}"]);
        Expect(tokens, ref position, "}");
        return new Block(keyword, words, body);
    }

    private static void Expect(List<string> tokens, ref int position, string token)
    {
        if (position >= tokens.Count || tokens[position] != token)
            throw new BootFormatException($"grub.cfg: expected '{token}'");
        position++;
    }

    /// <summary>
    /// Expands one raw word: quotes removed, <c>$name</c>/<c>${name}</c> replaced (split into several words when
    /// unquoted, as GRUB does), backslash escapes resolved.
    /// </summary>
    public static List<string> Expand(string raw, Func<string, string?> variable)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var has = false;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\\' && i + 1 < raw.Length) { current.Append(raw[++i]); has = true; continue; }
            if (c == '\'')
            {
                var end = raw.IndexOf('\'', i + 1);
                if (end < 0) end = raw.Length;
                current.Append(raw, i + 1, end - i - 1);
                has = true;
                i = end;
                continue;
            }
            if (c == '"')
            {
                i++;
                while (i < raw.Length && raw[i] != '"')
                {
                    if (raw[i] == '\\' && i + 1 < raw.Length && raw[i + 1] is '"' or '\\' or '$') { current.Append(raw[i + 1]); i += 2; continue; }
                    if (raw[i] == '$') { current.Append(Variable(raw, ref i, variable)); continue; }
                    current.Append(raw[i++]);
                }
                has = true;
                continue;
            }
            if (c == '$')
            {
                var value = Variable(raw, ref i, variable);
                i--;
                var pieces = value.Split([' ', '\t', '\n'], StringSplitOptions.None);
                for (var p = 0; p < pieces.Length; p++)
                {
                    if (p > 0)
                    {
                        if (has || current.Length > 0) words.Add(current.ToString());
                        current.Clear();
                        has = false;
                    }
                    current.Append(pieces[p]);
                    if (pieces[p].Length > 0) has = true;
                }
                continue;
            }
            current.Append(c);
            has = true;
        }
        if (has || current.Length > 0) words.Add(current.ToString());
        return words;
    }

    /// <summary>Reads <c>$name</c> or <c>${name}</c> at raw[i] (a '$'), leaving i after it.</summary>
    private static string Variable(string raw, ref int i, Func<string, string?> variable)
    {
        i++;
        string name;
        if (i < raw.Length && raw[i] == '{')
        {
            var end = raw.IndexOf('}', i);
            if (end < 0) { name = raw[(i + 1)..]; i = raw.Length; }
            else { name = raw[(i + 1)..end]; i = end + 1; }
        }
        else
        {
            var start = i;
            while (i < raw.Length && (char.IsAsciiLetterOrDigit(raw[i]) || raw[i] == '_')) i++;
            name = raw[start..i];
            if (name.Length == 0) return "$";
        }
        return variable(name) ?? "";
    }
}
