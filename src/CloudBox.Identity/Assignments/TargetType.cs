namespace CloudBox.Identity.Assignments;

/// <summary>Where a role is held: on a <c>project</c>, a <c>domain</c> or the <c>system</c> (target id <see cref="SystemAll"/>).</summary>
public static class TargetType
{
    public const string Project = "project";
    public const string Domain = "domain";
    public const string System = "system";
    public const string SystemAll = "all";
}
