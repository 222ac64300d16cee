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
            return JsonBody.Node(new JsonObject { ["measures"] = result });
        }

        var resourceType = body["resource_type"]?.GetValue<string>() ?? "generic";
        var filter = await SearchFilterAsync(body["search"]);
        var found = await resources.SearchAsync(resourceType, filter, caller.VisibilityProject(), [], null, ResourceStore.MaxCandidates, cancellationToken);
        var groupby = request.Query["groupby"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).Distinct().Order(StringComparer.Ordinal).ToList();
        var metricRows = await metrics.ListForResourcesAsync([.. found.Select(r => r["id"]!.GetValue<string>())], cancellationToken);
        var byResource = metricRows.ToLookup(m => m.ResourceId);
        if (groupby.Count == 0)
        {
            var references = await ExpandAsync(found, byResource, wanted, measures, cancellationToken);
            var result = await ComputeAsync(references, operations, options, measures, cancellationToken);
            return JsonBody.Node(new JsonObject { ["measures"] = result });
        }
        var groups = new JsonArray();
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
            groups.Add(new JsonObject
            {
                ["group"] = key,
                ["measures"] = new JsonObject { ["measures"] = await ComputeAsync(references, operations, options, measures, cancellationToken) },
            });
        }
        if (groups.Count == 0)
            throw ApiFault.NotFound($"Metric {string.Join(", ", wanted.Select(w => w.Metric).Distinct().Order())} does not exist");
        return JsonBody.Node(groups);
    }

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

    private static async Task<JsonObject> ComputeAsync(List<Reference> references, JsonNode operations, Options options, MeasureService measures, CancellationToken cancellationToken)
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
        JsonObject? aggregated = null;
        var byMetric = new JsonObject();
        foreach (var granularity in granularities)
        {
            var series = new List<List<MeasurePoint>>();
            foreach (var reference in references)
            {
                var read = await measures.ReadAsync(reference.Metric, reference.Aggregation, options.Start, options.Stop, granularity, null, false, cancellationToken);
                series.Add(read[0].Points);
            }
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
                aggregated ??= new JsonObject { ["aggregated"] = new JsonArray() };
                AddSeries(aggregated["aggregated"]!.AsArray(), result, 0, options.Fill);
                continue;
            }
            for (var r = 0; r < result.Series.Length && r < references.Count; r++)
            {
                var reference = references[r];
                JsonObject holder;
                if (reference.ResourceId is null)
                {
                    holder = byMetric[reference.Metric.Id] as JsonObject ?? (JsonObject)(byMetric[reference.Metric.Id] = new JsonObject());
                }
                else
                {
                    var resource = byMetric[reference.ResourceId] as JsonObject ?? (JsonObject)(byMetric[reference.ResourceId] = new JsonObject());
                    holder = resource[reference.Metric.Name!] as JsonObject ?? (JsonObject)(resource[reference.Metric.Name!] = new JsonObject());
                }
                var list = holder[reference.Aggregation] as JsonArray ?? (JsonArray)(holder[reference.Aggregation] = new JsonArray());
                AddSeries(list, result, r, options.Fill);
            }
        }
        return aggregated ?? byMetric;
    }

    private static SeriesGrid Grid(long granularity, List<List<MeasurePoint>> series, Options options, int[] rowsPerReference)
    {
        var times = series.SelectMany(s => s.Select(p => p.Timestamp)).Distinct().Order().ToArray();
        var index = new Dictionary<long, int>(times.Length);
        for (var i = 0; i < times.Length; i++)
            index[times[i]] = i;
        var rows = new double[series.Count][];
        for (var r = 0; r < series.Count; r++)
        {
            rows[r] = new double[times.Length];
            Array.Fill(rows[r], double.NaN);
            foreach (var point in series[r])
                rows[r][index[point.Timestamp]] = point.Value;
        }
        if (options.NeededOverlap is { } needed && options.Fill == "none" && times.Length > 0)
        {
            var overlapping = 0;
            for (var t = 0; t < times.Length; t++)
            {
                if (rows.All(row => !double.IsNaN(row[t])))
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

    private static void AddSeries(JsonArray into, SeriesGrid grid, int row, string fill)
    {
        var seconds = GnocchiTime.Seconds(grid.Granularity);
        var keepNulls = fill is "null" or "none";
        for (var t = 0; t < grid.Times.Length; t++)
        {
            var value = grid.Series[row][t];
            if ((double.IsNaN(value) || double.IsInfinity(value)) && !keepNulls)
                continue;
            into.Add(new JsonArray(GnocchiTime.FormatMeasure(grid.Times[t]), seconds, GnocchiJson.Number(double.IsInfinity(value) ? double.NaN : value)));
        }
    }
}
