namespace CloudBox.Databases.Agent;

/// <summary>A row of <c>databases_tasks</c>: one request to an instance's agent and its outcome.</summary>
internal sealed class TaskRecord
{
    public string Id { get; set; } = "";
    public string InstanceId { get; set; } = "";
    public long Seq { get; set; }
    public string Kind { get; set; } = "";
    public string Payload { get; set; } = "{}";
    public string State { get; set; } = TaskStates.Pending;
    public string? Result { get; set; }
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
}

internal static class TaskStates
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}
