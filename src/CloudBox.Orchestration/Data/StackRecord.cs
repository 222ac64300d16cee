namespace CloudBox.Orchestration.Data;

/// <summary>A row of <c>orchestration_stacks</c>.</summary>
internal sealed class StackRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string? ParentId { get; set; }
    public string Template { get; set; } = "{}";
    public string Environment { get; set; } = "{}";
    public string Files { get; set; } = "{}";
    public string Parameters { get; set; } = "{}";
    /// <summary>The template, environment, files and parameters before an update (JSON), to roll back to.</summary>
    public string? Previous { get; set; }
    public string Action { get; set; } = "";
    public string Status { get; set; } = "";
    public string StatusReason { get; set; } = "";
    public bool DisableRollback { get; set; }
    public int? TimeoutMins { get; set; }
    public string Tags { get; set; } = "[]";
    public string OperationStartedAt { get; set; } = "";
    public string CreatedAt { get; set; } = "";
    public string? UpdatedAt { get; set; }
    public string? DeletedAt { get; set; }

    public string FullStatus => $"{Action}_{Status}";
}
