using System.Buffers.Binary;

namespace CloudBox.Telemetry.Storage;

/// <summary>
/// A metric's unaggregated measures still inside its back window, sorted by time, one value per
/// timestamp: what lets a late measure be folded into buckets already written. Stored as
/// 16 bytes a point (little-endian nanoseconds, then the value).
/// </summary>
internal sealed class RawSeries
{
    public List<MeasurePoint> Points { get; } = [];

    public long? Last => Points.Count == 0 ? null : Points[^1].Timestamp;

    public static RawSeries Decode(ReadOnlySpan<byte> data)
    {
        var series = new RawSeries();
        if (data.Length < 4)
            return series;
        var count = BinaryPrimitives.ReadInt32LittleEndian(data);
        var offset = 4;
        series.Points.Capacity = count;
        for (var i = 0; i < count && offset + 16 <= data.Length; i++, offset += 16)
        {
            series.Points.Add(new MeasurePoint(
                BinaryPrimitives.ReadInt64LittleEndian(data[offset..]),
                BinaryPrimitives.ReadDoubleLittleEndian(data[(offset + 8)..])));
        }
        return series;
    }

    public byte[] Encode()
    {
        var data = new byte[4 + Points.Count * 16];
        BinaryPrimitives.WriteInt32LittleEndian(data, Points.Count);
        var offset = 4;
        foreach (var point in Points)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(offset), point.Timestamp);
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(offset + 8), point.Value);
            offset += 16;
        }
        return data;
    }

    /// <summary>Merges <paramref name="added"/> (any order); a measure at an existing timestamp replaces it.</summary>
    public void Merge(List<MeasurePoint> added)
    {
        if (added.Count == 0)
            return;
        added.Sort(static (a, b) => a.Timestamp.CompareTo(b.Timestamp));
        var merged = new List<MeasurePoint>(Points.Count + added.Count);
        int i = 0, j = 0;
        while (i < Points.Count || j < added.Count)
        {
            if (j >= added.Count || (i < Points.Count && Points[i].Timestamp < added[j].Timestamp))
            {
                merged.Add(Points[i++]);
                continue;
            }
            // Equal timestamps: the later of the new ones wins over the stored one and over earlier new ones.
            var point = added[j++];
            while (j < added.Count && added[j].Timestamp == point.Timestamp)
                point = added[j++];
            if (i < Points.Count && Points[i].Timestamp == point.Timestamp)
                i++;
            if (merged.Count > 0 && merged[^1].Timestamp == point.Timestamp)
                merged[^1] = point;
            else
                merged.Add(point);
        }
        Points.Clear();
        Points.AddRange(merged);
    }

    /// <summary>Index of the first point at or after <paramref name="timestamp"/>.</summary>
    public int LowerBound(long timestamp)
    {
        int lo = 0, hi = Points.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Points[mid].Timestamp < timestamp) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Drops points before <paramref name="timestamp"/>, keeping <paramref name="keepBefore"/> more (for rates).</summary>
    public void TrimBefore(long timestamp, int keepBefore)
    {
        var index = Math.Max(0, LowerBound(timestamp) - keepBefore);
        if (index > 0)
            Points.RemoveRange(0, index);
    }
}
