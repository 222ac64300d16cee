namespace CloudBox.Orchestration.Data;

/// <summary>A row of <c>orchestration_snapshots</c>: a stack's definition and resources as they were, to restore.</summary>
internal sealed class SnapshotRecord
{
    public string Id { get; set; } = "";
    public string StackId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Status { get; set; } = "";
    public string StatusReason { get; set; } = "";
    /// <summary>The template, environment, files and parameters, and each resource's type, physical id and status (JSON).</summary>
    public string Data { get; set; } = "{}";
    public string CreatedAt { get; set; } = "";
}
