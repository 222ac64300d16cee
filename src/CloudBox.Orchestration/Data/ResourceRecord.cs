namespace CloudBox.Orchestration.Data;

/// <summary>A row of <c>orchestration_resources</c>: one physical resource of a stack and the last step taken on it.</summary>
internal sealed class ResourceRecord
{
    public string Id { get; set; } = "";
    public string StackId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public string? PhysicalId { get; set; }
    public string Action { get; set; } = "INIT";
    public string Status { get; set; } = "COMPLETE";
    public string StatusReason { get; set; } = "";
    /// <summary>The resolved properties last applied (JSON), to tell what an update changes.</summary>
    public string Properties { get; set; } = "{}";
    /// <summary>The plugin's private data (JSON).</summary>
    public string Data { get; set; } = "{}";
    /// <summary>The names of the resources this one needed (JSON list), to delete in reverse order.</summary>
    public string Requires { get; set; } = "[]";
    public string Stamp { get; set; } = "";
    /// <summary>True for the old resource of an UpdateReplace: deleted once the stack converged.</summary>
    public bool Replaced { get; set; }
    public string CreatedAt { get; set; } = "";
    public string? UpdatedAt { get; set; }

    public string FullStatus => $"{Action}_{Status}";
}
