using System.Globalization;

namespace CloudBox.Objects.Swift;

/// <summary>One satisfiable byte range of a representation of known length.</summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length - 1;

    /// <summary>
    /// Parses a <c>Range: bytes=…</c> header against <paramref name="size"/>. Null when the header is
    /// absent or malformed (then the whole object is served, as Swift does); an empty list when no
    /// range is satisfiable (416).
    /// </summary>
    public static List<ByteRange>? Parse(string? header, long size)
    {
        if (string.IsNullOrWhiteSpace(header))
            return null;
        var text = header.Trim();
        if (!text.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
            return null;
        var ranges = new List<ByteRange>();
        var specs = text[6..].Split(',');
        if (specs.Length > 100)
            return null;
        foreach (var spec in specs)
        {
            var trimmed = spec.Trim();
            if (!IsWellFormed(trimmed))
                return null;
            if (ParseOne(trimmed, size) is { } range)
                ranges.Add(range);
        }
        return ranges;
    }

    /// <summary>"a-b", "a-" or "-n" against <paramref name="size"/>; null when unsatisfiable.</summary>
    public static ByteRange? ParseOne(string spec, long size)
    {
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
            return null;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) || suffix == 0 || size == 0)
                return null;
            suffix = Math.Min(suffix, size);
            return new ByteRange(size - suffix, suffix);
        }
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start) || start >= size)
            return null;
        var end = size - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
                return null;
            end = Math.Min(end, size - 1);
        }
        return new ByteRange(start, end - start + 1);
    }

    private static bool IsWellFormed(string spec)
    {
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0 || (dash == 0 && spec.Length == 1))
            return false;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length > 0 && last.Length > 0 && long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            && long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b < a)
            return false; // "5-2" is a syntax error, not an unsatisfiable range
        return (first.Length == 0 || first.All(char.IsAsciiDigit)) && (last.Length == 0 || last.All(char.IsAsciiDigit));
    }
}
