using System.Text;

namespace CloudBox.Core.Api.Aws;

/// <summary>
/// SigV4's percent-encoding: every byte of the UTF-8 form except <c>A-Z a-z 0-9 - _ . ~</c>
/// becomes <c>%XX</c> with upper-case hex; a path keeps its slashes.
/// </summary>
public static class SigV4Encoding
{
    public static string Encode(string value, bool keepSlash = false)
    {
        var builder = new StringBuilder(value.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
                continue;
            }
            var length = char.IsHighSurrogate(c) && i + 1 < value.Length
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            for (var b = 0; b < length; b++)
                builder.Append('%').Append(Convert.ToHexString(utf8.Slice(b, 1)));
        }
        return builder.ToString();
    }

    /// <summary>Decodes <c>%XX</c> escapes (as UTF-8); a <c>+</c> stays a plus, as S3 clients mean it.</summary>
    public static string Decode(string value) => value.Contains('%') ? Uri.UnescapeDataString(value) : value;

    /// <summary>Splits a raw query string into decoded name/value pairs, in order; a bare name has the value "".</summary>
    public static List<KeyValuePair<string, string>> ParseQuery(string rawQuery)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var query = rawQuery.StartsWith('?') ? rawQuery[1..] : rawQuery;
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            pairs.Add(equals < 0
                ? new(Decode(part), "")
                : new(Decode(part[..equals]), Decode(part[(equals + 1)..])));
        }
        return pairs;
    }
}
