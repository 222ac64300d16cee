using System.Globalization;

namespace CloudBox.Objects.S3;

/// <summary>One <c>Range: bytes=…</c> request against an object of known size. S3 serves single ranges; anything else means the whole object.</summary>
internal readonly record struct ByteRange(long Offset, long Length, bool Unsatisfiable)
{
    /// <summary>The range asked for, or null when the header is absent or not a single byte range (serve everything).</summary>
    public static ByteRange? Parse(string header, long size)
    {
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
            return null;
        var spec = header["bytes=".Length..].Trim();
        if (spec.Contains(','))
            return null;
        var dash = spec.IndexOf('-');
        if (dash < 0)
            return null;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            // bytes=-N: the last N bytes
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
                return null;
            if (suffix == 0 || size == 0)
                return new ByteRange(0, 0, true);
            var take = Math.Min(suffix, size);
            return new ByteRange(size - take, take, false);
        }
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            return null;
        var end = size - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
                return null;
            end = Math.Min(end, size - 1);
        }
        return start >= size ? new ByteRange(0, 0, true) : new ByteRange(start, end - start + 1, false);
    }
}
