using System.Text.Json;
using CloudBox.Telemetry.Api;

namespace CloudBox.Telemetry.Aggregates;

/// <summary>
/// The aggregates API's answer before it is written: objects keyed by metric id (or resource id,
/// then metric name) and aggregation, in the order first met, whose leaves are series (rows of
/// computed grids, one per granularity, coarsest first); written straight as JSON.
/// </summary>
internal sealed class SeriesTree
{
    private readonly List<(string Key, SeriesTree? Child, List<(SeriesGrid Grid, int Row)>? Series)> _entries = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public SeriesTree Child(string key)
    {
        if (_index.TryGetValue(key, out var at))
            return _entries[at].Child ?? throw new InvalidOperationException($"'{key}' holds a series, not an object.");
        var child = new SeriesTree();
        _index[key] = _entries.Count;
        _entries.Add((key, child, null));
        return child;
    }

    /// <summary>Appends row <paramref name="row"/> of <paramref name="grid"/> to the series under <paramref name="key"/>.</summary>
    public void Add(string key, SeriesGrid grid, int row)
    {
        if (!_index.TryGetValue(key, out var at))
        {
            _index[key] = at = _entries.Count;
            _entries.Add((key, null, []));
        }
        (_entries[at].Series ?? throw new InvalidOperationException($"'{key}' holds an object, not a series.")).Add((grid, row));
    }

    /// <summary>Writes the object; <paramref name="fill"/> <c>null</c> or <c>none</c> keeps the buckets without a value (as null).</summary>
    public void Write(Utf8JsonWriter writer, string fill)
    {
        writer.WriteStartObject();
        foreach (var (key, child, series) in _entries)
        {
            writer.WritePropertyName(key);
            if (child is not null)
            {
                child.Write(writer, fill);
                continue;
            }
            writer.WriteStartArray();
            foreach (var (grid, row) in series!)
                WriteRow(writer, grid, row, fill);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static void WriteRow(Utf8JsonWriter writer, SeriesGrid grid, int row, string fill)
    {
        var seconds = GnocchiTime.Seconds(grid.Granularity);
        var keepNulls = fill is "null" or "none";
        var values = grid.Series[row];
        for (var t = 0; t < grid.Times.Length; t++)
        {
            if (!double.IsFinite(values[t]) && !keepNulls)
                continue;
            GnocchiJson.WriteMeasure(writer, grid.Times[t], seconds, values[t]);
        }
    }
}
