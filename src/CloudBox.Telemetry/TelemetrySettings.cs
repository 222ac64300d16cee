namespace CloudBox.Telemetry;

/// <summary>Telemetry's tunables.</summary>
internal sealed class TelemetrySettings
{
    /// <summary>How often the pollsters sample running servers, volumes, images and object stores.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the alarm evaluator runs.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest the collector's measures wait in the durable queue before they are aggregated
    /// (Gnocchi's <c>metric_processing_delay</c>): one processing pass then folds several polls of
    /// every metric at once, the per-metric cost of a pass shared by them. Measures pushed through
    /// the API are aggregated at once, and a read with <c>refresh</c> drains the queue first.
    /// Default: 6 poll intervals (60 s).
    /// </summary>
    public TimeSpan? CollectorProcessingDelay { get; init; }

    /// <summary><see cref="CollectorProcessingDelay"/> as it applies.</summary>
    public TimeSpan ProcessingDelay => CollectorProcessingDelay ?? PollInterval * 6;

    /// <summary>The archive policy the collector gives the metrics it creates.</summary>
    public string CollectorArchivePolicy { get; init; } = "high";

    /// <summary>The most resources one usage report reads (a project with more in the period is asked for a shorter one).</summary>
    public int UsageMaxResources { get; init; } = 5_000;
}
