namespace CloudBox.Telemetry.Indexer;

/// <summary>A metric, with the project of the resource it belongs to (for visibility).</summary>
internal sealed class MetricRecord
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public string? Unit { get; init; }
    public required string ArchivePolicyName { get; init; }
    public string? ResourceId { get; init; }
    public string? Creator { get; init; }
    public string? CreatorProjectId { get; init; }
    public string? ResourceProjectId { get; init; }
}
