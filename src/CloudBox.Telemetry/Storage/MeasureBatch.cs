using System.Buffers.Binary;

namespace CloudBox.Telemetry.Storage;

/// <summary>
/// Acknowledged measures as queued before aggregation: per metric its 16-byte id, a count, and
/// 16 bytes a measure. One row per request keeps the write-ahead step a single insert.
/// </summary>
internal static class MeasureBatch
{
    public static byte[] Encode(IReadOnlyDictionary<Guid, List<MeasurePoint>> measures, out int count)
    {
        count = 0;
        var size = 4;
        foreach (var (_, points) in measures)
        {
            size += 20 + points.Count * 16;
            count += points.Count;
        }
        var data = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(data, measures.Count);
        var offset = 4;
        foreach (var (metric, points) in measures)
        {
            metric.TryWriteBytes(data.AsSpan(offset, 16));
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(offset + 16), points.Count);
            offset += 20;
            foreach (var point in points)
            {
                BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(offset), point.Timestamp);
                BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(offset + 8), point.Value);
                offset += 16;
            }
        }
        return data;
    }

    /// <summary>Adds the batch's measures to <paramref name="into"/>, keeping their order.</summary>
    public static void Decode(ReadOnlySpan<byte> data, Dictionary<Guid, List<MeasurePoint>> into)
    {
        var metrics = BinaryPrimitives.ReadInt32LittleEndian(data);
        var offset = 4;
        for (var m = 0; m < metrics; m++)
        {
            var id = new Guid(data.Slice(offset, 16));
            var count = BinaryPrimitives.ReadInt32LittleEndian(data[(offset + 16)..]);
            offset += 20;
            if (!into.TryGetValue(id, out var points))
                into[id] = points = new List<MeasurePoint>(count);
            for (var i = 0; i < count; i++, offset += 16)
            {
                points.Add(new MeasurePoint(
                    BinaryPrimitives.ReadInt64LittleEndian(data[offset..]),
                    BinaryPrimitives.ReadDoubleLittleEndian(data[(offset + 8)..])));
            }
        }
    }
}
