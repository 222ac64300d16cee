using CloudBox.Core.Api;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Telemetry.Api;

/// <summary>Reading and writing one metric's measures over HTTP, shared by the by-id and by-name routes.</summary>
internal static class MeasureQuery
{
    public static async Task<IResult> PostAsync(HttpContext context, MetricRecord metric, MeasureService measures, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var document = await MeasureInput.ReadDocumentAsync(context.Request, cancellationToken);
        var points = MeasureInput.ParseList(document.RootElement, clock.GetUtcNow());
        if (points.Count > 0)
            await measures.AddAsync(new Dictionary<Guid, List<MeasurePoint>> { [Guid.Parse(metric.Id)] = points }, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    public static async Task<IResult> GetAsync(HttpContext context, MetricRecord metric, MeasureService measures, TimeProvider clock, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var now = clock.GetUtcNow();
        long? start = request.Query("start") is { } s ? GnocchiTime.ParseInstant(s, now, "start") : null;
        long? stop = request.Query("stop") is { } e ? GnocchiTime.ParseInstant(e, now, "stop") : null;
        long? granularity = request.Query("granularity") is { } g ? GnocchiTime.ParseSpan(g, "granularity") : null;
        long? resample = request.Query("resample") is { } r ? GnocchiTime.ParseSpan(r, "resample") : null;
        var aggregation = request.Query("aggregation") ?? "mean";
        var refresh = request.QueryBool("refresh") == true;
        var series = await measures.ReadAsync(metric, aggregation, start, stop, granularity, resample, refresh, cancellationToken);
        return new PooledJsonResult(writer =>
        {
            writer.WriteStartArray();
            foreach (var (g2, points) in series)
                GnocchiJson.WriteMeasures(writer, points, g2);
            writer.WriteEndArray();
        });
    }
}
