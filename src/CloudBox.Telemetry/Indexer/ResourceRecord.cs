namespace CloudBox.Telemetry.Indexer;

/// <summary>A row of <c>telemetry_resources</c>: the common columns and the type's attributes as JSON.</summary>
internal sealed class ResourceRecord
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string OriginalResourceId { get; init; }
    public string? ProjectId { get; set; }
    public string? UserId { get; set; }
    public string? Creator { get; init; }
    public string? CreatorProjectId { get; init; }
    public required string StartedAt { get; set; }
    public string? EndedAt { get; set; }
    public required string RevisionStart { get; set; }
    public required string Attributes { get; set; }
}
