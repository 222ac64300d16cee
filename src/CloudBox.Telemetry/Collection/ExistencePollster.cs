using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// Existence gauges, Ceilometer's <c>ip.floating</c> (a floating IP, resource type <c>network</c>)
/// and <c>router</c> (resource type <c>router</c>): each interval a 1 for every such resource the
/// collector created from Networking's events and has not ended, so a period's sum or count is how
/// long the object existed.
/// </summary>
internal sealed partial class ExistencePollster(ResourceStore store, MetricStore metrics, MeasureService measures, TelemetrySettings settings, TimeProvider clock,
    ILogger<ExistencePollster> logger) : Pollster(settings.PollInterval, clock, pollAtStart: false)
{
    public static readonly IReadOnlyList<(string Name, string? Unit)> FloatingIpMetrics = [("ip.floating", "ip")];
    public static readonly IReadOnlyList<(string Name, string? Unit)> RouterMetrics = [("router", "router")];

    /// <summary>The existence meter of a collector resource type, or null when the type has none.</summary>
    public static string? MeterOf(string type) => type switch
    {
        "network" => "ip.floating",
        "router" => "router",
        _ => null,
    };

    protected override void OnPollFailed(Exception error) => LogFailed(error);

    public override async Task PollAsync(CancellationToken cancellationToken)
    {
        var now = NowNanos();
        var batch = new Dictionary<Guid, List<MeasurePoint>>();
        foreach (var type in (string[])["network", "router"])
        {
            var meter = MeterOf(type)!;
            // At most ResourceStore.MaxCandidates a type; metrics are read for them in chunks.
            var live = (await store.ListAsync(type, null, cancellationToken))
                .Where(r => r.Creator == CollectorResources.Creator && r.EndedAt is null)
                .Select(r => r.Id)
                .ToList();
            foreach (var metric in await metrics.ListForResourcesAsync(live, cancellationToken))
            {
                if (metric.Name == meter && Guid.TryParse(metric.Id, out var id))
                    batch[id] = [new MeasurePoint(now, 1)];
            }
        }
        if (batch.Count > 0)
            await measures.AddCollectedAsync(batch, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Measuring floating IPs' and routers' existence failed")]
    private partial void LogFailed(Exception error);
}
