using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Collection;

/// <summary>Measures a poll gathers before one write: by metric id, each metric's points in the order taken.</summary>
internal static class MeasureBatch
{
    /// <summary>Adds <paramref name="value"/> to the metric named <paramref name="metric"/> of a resource (its metric ids by name); a null value or an unknown metric adds nothing.</summary>
    public static void Add(Dictionary<Guid, List<MeasurePoint>> batch, Dictionary<string, string> ids, string metric, long now, double? value)
    {
        if (value is null || !ids.TryGetValue(metric, out var id))
            return;
        var key = Guid.Parse(id);
        if (!batch.TryGetValue(key, out var list))
            batch[key] = list = [];
        list.Add(new MeasurePoint(now, value.Value));
    }
}
