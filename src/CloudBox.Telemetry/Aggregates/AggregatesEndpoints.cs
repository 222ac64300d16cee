using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Aggregates;

/// <summary>
/// <c>POST /v1/aggregates</c>: operations over metrics named by id, or by name over the resources a
/// search finds (optionally grouped by resource attributes), with start, stop, granularity, fill
/// and needed_overlap.
/// </summary>
internal static class AggregatesEndpoints
{
    /// <summary>The most series one request may combine.</summary>
    public const int MaxReferences = 5000;

    public static void Map(IEndpointRouteBuilder v1) => v1.MapPost("/aggregates", PostAsync);

    private sealed record Reference(MetricRecord Metric, string Aggregation, string? ResourceId, ArchivePolicy Policy, int Wanted);

    private sealed record Options(long? Start, long? Stop, long? Granularity, string Fill, double? NeededOverlap, bool Refresh);

    private static async Task<IResult> PostAsync(HttpContext context, MetricStore metrics, ResourceService resources, MeasureService measures, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_measures");
        var request = context.Request;
        var now = clock.GetUtcNow();
        var options = new Options(
            request.Query("start") is { } s ? GnocchiTime.ParseInstant(s, now, "start") : null,
            request.Query("stop") is { } e ? GnocchiTime.ParseInstant(e, now, "stop") : null,
            request.Query("granularity") is { } g ? GnocchiTime.ParseSpan(g, "granularity") : null,
            request.Query("fill") ?? (request.Query("needed_overlap") is null ? "dropna" : "none"),
            request.Query("needed_overlap") is { } o && double.TryParse(o, System.Globalization.CultureInfo.InvariantCulture, out var overlap) ? overlap : null,
            request.QueryBool("refresh") == true);
        if (options.Fill is not ("dropna" or "null" or "none" or "ffill" or "bfill" or "full_ffill" or "full_bfill") && !double.TryParse(options.Fill, System.Globalization.CultureInfo.InvariantCulture, out _))
            throw ApiFault.BadRequest($"Invalid value for fill: {options.Fill}");
        var body = await JsonBody.ReadObjectAsync(request, cancellationToken);
        JsonNode operations;
        List<(string Metric, string Aggregation)> wanted;
        try
        {
            operations = OperationParser.Parse(body["operations"]);
            wanted = OperationParser.References(operations);
        }
        catch (FormatException error)
        {
            throw ApiFault.BadRequest("Invalid input: Operations is invalid: " + error.Message);
        }
        if (wanted.Count == 0)
            throw ApiFault.BadRequest("Operations is invalid: At least one 'metric' is required");
        if (options.Refresh)
            await measures.RefreshAsync(cancellationToken);

        if (!body.ContainsKey("search") && !body.ContainsKey("resource_type"))
        {
            var references = new List<Reference>();
            foreach (var (metricId, aggregation) in wanted)
            {
                var metric = await MetricAccess.VisibleAsync(metrics, metricId, caller, cancellationToken);
                references.Add(new Reference(metric, aggregation, null, await measures.PolicyOfAsync(metric, cancellationToken), references.Count));
            }
            var result = await ComputeAsync(references, operations, options, measures, cancellationToken);
            return Answer(result, options.Fill);
        }

        var resourceType = body["resource_type"]?.GetValue<string>() ?? "generic";
        var filter = await SearchFilterAsync(body["search"]);
        // The search already read the matching resources' metrics: no second query for them.
        var (found, byResource) = await resources.SearchWithMetricsAsync(resourceType, filter, caller.VisibilityProject(), cancellationToken);
        var groupby = request.Query["groupby"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (groupby.Count == 0)
        {
            var references = await ExpandAsync(found, byResource, wanted, measures, cancellationToken);
            var result = await ComputeAsync(references, operations, options, measures, cancellationToken);
            return Answer(result, options.Fill);
        }
        var groups = new List<(JsonObject Key, SeriesTree Measures)>();
        foreach (var group in found.GroupBy(r => string.Join("\u0000", groupby.Select(k => r[k]?.ToJsonString() ?? "null"))).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = group.ToList();
            List<Reference> references;
            try
            {
                references = await ExpandAsync(members, byResource, wanted, measures, cancellationToken);
            }
            catch (ApiFault fault) when (fault.StatusCode == 404)
            {
                continue;
            }
            var key = new JsonObject();
            foreach (var attribute in groupby)
                key[attribute] = members[0][attribute]?.DeepClone();
            groups.Add((key, await ComputeAsync(references, operations, options, measures, cancellationToken)));
        }
        if (groups.Count == 0)
            throw ApiFault.NotFound($"Metric {string.Join(", ", wanted.Select(w => w.Metric).Distinct().Order())} does not exist");
        return new PooledJsonResult(writer =>
        {
            writer.WriteStartArray();
            foreach (var (key, tree) in groups)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("group");
                key.WriteTo(writer);
                writer.WritePropertyName("measures");
                writer.WriteStartObject();
                writer.WritePropertyName("measures");
                tree.Write(writer, options.Fill);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        });
    }

    /// <summary><c>{"measures": …}</c>.</summary>
    private static PooledJsonResult Answer(SeriesTree result, string fill) => new(writer =>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("measures");
        result.Write(writer, fill);
        writer.WriteEndObject();
    });

    private static Task<JsonNode?> SearchFilterAsync(JsonNode? search)
    {
        try
        {
            JsonNode? filter = search is JsonValue text && text.TryGetValue<string>(out var query)
                ? Search.FilterQueryParser.Parse(query)
                : search?.DeepClone();
            if (filter is JsonObject { Count: 0 })
                filter = null;
            Search.ResourceFilter.Validate(filter);
            return Task.FromResult(filter);
        }
        catch (FormatException error)
        {
            throw ApiFault.BadRequest("Invalid filter: " + error.Message);
        }
    }

    /// <summary>The resources' metrics whose names match each wanted (wildcard) name, in order.</summary>
    private static async Task<List<Reference>> ExpandAsync(List<JsonObject> found, ILookup<string?, MetricRecord> byResource, List<(string Metric, string Aggregation)> wanted, MeasureService measures, CancellationToken cancellationToken)
    {
        var references = new List<Reference>();
        for (var w = 0; w < wanted.Count; w++)
        {
            var (name, aggregation) = wanted[w];
            foreach (var resource in found)
            {
                var id = resource["id"]!.GetValue<string>();
                foreach (var metric in byResource[id])
                {
                    if (metric.Name is not null && ArchivePolicyRule.Matches(name, metric.Name))
                        references.Add(new Reference(metric, aggregation, id, await measures.PolicyOfAsync(metric, cancellationToken), w));
                }
            }
        }
        if (references.Count == 0)
            throw ApiFault.NotFound($"Metric {string.Join(", ", wanted.Select(w => w.Metric).Distinct().Order())} does not exist");
        if (references.Count > MaxReferences)
            throw ApiFault.BadRequest($"Too many series to aggregate ({references.Count}; at most {MaxReferences})");
        return references;
    }

    private static async Task<SeriesTree> ComputeAsync(List<Reference> references, JsonNode operations, Options options, MeasureService measures, CancellationToken cancellationToken)
    {
        var wantedCount = Math.Max(references.Count == 0 ? 0 : references.Max(r => r.Wanted) + 1, OperationParser.References(operations).Count);
        var rowsPerReference = new int[wantedCount];
        foreach (var reference in references)
            rowsPerReference[reference.Wanted]++;
        foreach (var reference in references)
        {
            if (!reference.Policy.HasMethod(reference.Aggregation))
                throw ApiFault.NotFound($"Aggregation method '{reference.Aggregation}' for metric {reference.Metric.Id} does not exist");
        }
        List<long> granularities;
        if (options.Granularity is { } requested)
        {
            granularities = [requested];
            var missing = references.FirstOrDefault(r => r.Policy.ItemFor(requested) is null);
            if (missing is not null)
                throw ApiFault.BadRequest($"Metrics can't being aggregated: Granularities are missing ({missing.Metric.Id})");
        }
        else
        {
            granularities = references[0].Policy.Definition.Select(d => d.GranularityNs)
                .Where(g => references.All(r => r.Policy.ItemFor(g) is not null))
                .OrderDescending().ToList();
            if (granularities.Count == 0)
                throw ApiFault.BadRequest("Metrics can't being aggregated: No granularity match");
        }
        var reads = references.Select(r => (r.Metric, r.Policy, r.Aggregation)).ToList();
        SeriesTree? aggregated = null;
        var byMetric = new SeriesTree();
        foreach (var granularity in granularities)
        {
            // Every series of this granularity in a few batched queries, not one query per metric.
            var series = await measures.ReadManyAsync(reads, granularity, options.Start, options.Stop, cancellationToken);
            var grid = Grid(granularity, series, options, rowsPerReference);
            var next = 0;
            SeriesGrid result;
            try
            {
                result = OperationEvaluator.Evaluate(operations, grid, ref next);
            }
            catch (Exception error) when (error is FormatException or InvalidOperationException or ArgumentException)
            {
                throw ApiFault.BadRequest("Invalid input: Operations is invalid: " + error.Message);
            }
            if (result.Aggregated)
            {
                (aggregated ??= new SeriesTree()).Add("aggregated", result, 0);
                continue;
            }
            for (var r = 0; r < result.Series.Length && r < references.Count; r++)
            {
                var reference = references[r];
                var holder = reference.ResourceId is null
                    ? byMetric.Child(reference.Metric.Id)
                    : byMetric.Child(reference.ResourceId).Child(reference.Metric.Name!);
                holder.Add(reference.Aggregation, result, r);
            }
        }
        return aggregated ?? byMetric;
    }

    /// <summary>The series on one time axis: every timestamp any series has, sorted; NaN where a series has none.</summary>
    private static SeriesGrid Grid(long granularity, List<MeasurePoint>[] series, Options options, int[] rowsPerReference)
    {
        var total = 0;
        foreach (var points in series)
            total += points.Count;
        var all = new long[total];
        var at = 0;
        foreach (var points in series)
        {
            foreach (var point in points)
                all[at++] = point.Timestamp;
        }
        Array.Sort(all);
        var distinct = 0;
        for (var i = 0; i < all.Length; i++)
        {
            if (distinct == 0 || all[i] != all[distinct - 1])
                all[distinct++] = all[i];
        }
        var times = all.AsSpan(0, distinct).ToArray();
        var rows = new double[series.Length][];
        for (var r = 0; r < series.Length; r++)
        {
            var row = rows[r] = new double[times.Length];
            Array.Fill(row, double.NaN);
            foreach (var point in series[r])
                row[Array.BinarySearch(times, point.Timestamp)] = point.Value;
        }
        if (options.NeededOverlap is { } needed && options.Fill == "none" && times.Length > 0)
        {
            var overlapping = 0;
            for (var t = 0; t < times.Length; t++)
            {
                var everyRow = true;
                for (var r = 0; r < rows.Length && everyRow; r++)
                    everyRow = !double.IsNaN(rows[r][t]);
                if (everyRow)
                    overlapping++;
            }
            var percent = overlapping * 100.0 / times.Length;
            if (percent < needed)
                throw ApiFault.BadRequest($"Metrics can't being aggregated: Less than {needed}% of datapoints overlap in this timespan ({percent:0.00}%)");
        }
        foreach (var row in rows)
            Fill(row, options.Fill);
        return new SeriesGrid(granularity, times, rows) { RowsPerReference = rowsPerReference };
    }

    private static void Fill(double[] row, string fill)
    {
        if (double.TryParse(fill, System.Globalization.CultureInfo.InvariantCulture, out var constant))
        {
            for (var t = 0; t < row.Length; t++)
            {
                if (double.IsNaN(row[t]))
                    row[t] = constant;
            }
            return;
        }
        if (fill is "ffill" or "full_ffill")
            Forward(row);
        if (fill is "bfill" or "full_bfill" or "full_ffill")
            Backward(row);
        if (fill == "full_bfill")
            Forward(row);
    }

    private static void Forward(double[] row)
    {
        for (var t = 1; t < row.Length; t++)
        {
            if (double.IsNaN(row[t]))
                row[t] = row[t - 1];
        }
    }

    private static void Backward(double[] row)
    {
        for (var t = row.Length - 2; t >= 0; t--)
        {
            if (double.IsNaN(row[t]))
                row[t] = row[t + 1];
        }
    }
}
