namespace CloudBox.Telemetry;

/// <summary>Telemetry's tunables.</summary>
internal sealed class TelemetrySettings
{
    /// <summary>How often the pollsters sample running servers, volumes, images and object stores.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the alarm evaluator runs.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The archive policy the collector gives the metrics it creates.</summary>
    public string CollectorArchivePolicy { get; init; } = "high";

    /// <summary>The most resources one usage report reads (a project with more in the period is asked for a shorter one).</summary>
    public int UsageMaxResources { get; init; } = 5_000;
}
