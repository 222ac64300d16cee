namespace CloudBox.Telemetry.Alarms;

/// <summary>A row of <c>telemetry_alarms</c>: the queried columns and the whole alarm as Aodh's JSON.</summary>
internal sealed class AlarmRecord
{
    public string Id { get; set; } = "";
    public string? ProjectId { get; set; }
    public string? UserId { get; set; }
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public string State { get; set; } = "";
    public bool Enabled { get; set; }
    public string Definition { get; set; } = "{}";
    public string StateTimestamp { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
}
