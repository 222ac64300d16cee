using System.Buffers.Binary;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Telemetry.Prometheus;

/// <summary>
/// The latest stored measure of the collector's metrics, read a page at a time: the last 16
/// bytes of each metric's unaggregated tail (its newest point) are cut out in SQL, so a scrape
/// reads a few dozen bytes per series whatever the tail's length.
/// </summary>
internal sealed class LatestMeasureStore(Database database)
{
    public const int PageSize = 500;

    internal sealed class Row
    {
        public string MetricId { get; set; } = "";
        public string ResourceId { get; set; } = "";
        public string OriginalResourceId { get; set; } = "";
        public string? ProjectId { get; set; }
        public string Attributes { get; set; } = "{}";
        public byte[]? Last { get; set; }

        /// <summary>The newest point (nanoseconds, value), or null when the tail is empty.</summary>
        public (long Timestamp, double Value)? Point =>
            Last is { Length: 16 } bytes
                ? (BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8)))
                : null;
    }

    internal sealed class ResourceRow
    {
        public string Id { get; set; } = "";
        public string? ProjectId { get; set; }
        public string Attributes { get; set; } = "{}";
    }

    private string LastPoint => database.Engine == DatabaseEngine.Postgres
        ? "CASE WHEN octet_length(u.data) >= 20 THEN substring(u.data from octet_length(u.data) - 15) END"
        : "CASE WHEN length(u.data) >= 20 THEN substr(u.data, -16) END";

    /// <summary>The next page of live resources' <paramref name="meter"/> metrics of <paramref name="type"/>, by metric id after <paramref name="marker"/>.</summary>
    public async Task<IReadOnlyList<Row>> PageAsync(string type, string meter, string marker, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT m.id AS MetricId, r.id AS ResourceId, r.original_resource_id AS OriginalResourceId, r.project_id AS ProjectId, r.attributes AS Attributes, {LastPoint} AS Last " +
            "FROM telemetry_metrics m JOIN telemetry_resources r ON r.id = m.resource_id JOIN telemetry_unaggregated u ON u.metric_id = m.id " +
            $"WHERE m.name = @meter AND r.type = @type AND r.ended_at IS NULL AND m.id > @marker ORDER BY m.id LIMIT {PageSize}",
            new { type, meter, marker }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The next page of live resources of <paramref name="type"/> by id after <paramref name="marker"/>.</summary>
    public async Task<IReadOnlyList<ResourceRow>> ResourcesAsync(string type, string marker, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ResourceRow>(new CommandDefinition(
            $"SELECT id, project_id, attributes FROM telemetry_resources WHERE type = @type AND ended_at IS NULL AND id > @marker ORDER BY id LIMIT {PageSize}",
            new { type, marker }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The attributes of the given resources (at most a page of them), by id.</summary>
    public async Task<Dictionary<string, string>> AttributesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
            return result;
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in ids.Chunk(PageSize))
        {
            var rows = await connection.QueryAsync<(string Id, string Attributes)>(new CommandDefinition(
                $"SELECT id, attributes FROM telemetry_resources WHERE {database.InList("id", "ids")}", new { ids = chunk }, cancellationToken: cancellationToken));
            foreach (var (id, attributes) in rows)
                result[id] = attributes;
        }
        return result;
    }
}
