namespace CloudBox.Identity.Assignments;

public sealed class AssignmentRecord
{
    public string ActorType { get; set; } = "";
    public string ActorId { get; set; } = "";
    public string TargetType { get; set; } = "";
    public string TargetId { get; set; } = "";
    public string RoleId { get; set; } = "";

    /// <summary>Held on the target's sub-projects rather than the target itself (OS-INHERIT).</summary>
    public bool Inherited { get; set; }
}
