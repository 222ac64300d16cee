namespace CloudBox.Orchestration.Data;

/// <summary>A row of <c>orchestration_events</c>: one state change of a stack or of one of its resources.</summary>
internal sealed class EventRecord
{
    public long Seq { get; set; }
    public string Id { get; set; } = "";
    public string StackId { get; set; } = "";
    public string ResourceName { get; set; } = "";
    public string PhysicalId { get; set; } = "";
    public string ResourceType { get; set; } = "";
    public string Action { get; set; } = "";
    public string Status { get; set; } = "";
    public string Reason { get; set; } = "";
    public string EventTime { get; set; } = "";
}
