using System.Globalization;

namespace CloudBox.Objects.Swift;

/// <summary>One segment of a Static Large Object as stored: "/container/object", its ETag and the bytes it contributes.</summary>
internal sealed record StaticSegment(string Name, string Hash, long Bytes, string? Range, string ContentType, string LastModified)
{
    /// <summary>The slice of the segment object this segment uses: the whole object, or its <c>range</c> ("a-b", "a-", "-n").</summary>
    public (long Offset, long Length) RangeWithin(long size)
    {
        if (Range is null)
            return (0, size);
        var parsed = ByteRange.ParseOne(Range, size);
        return parsed is { } r ? (r.Start, r.Length) : throw SwiftFaults.BadRequest($"Unsatisfiable range {Range}");
    }

    public static string FormatRange(long start, long length) =>
        string.Create(CultureInfo.InvariantCulture, $"{start}-{start + length - 1}");
}
