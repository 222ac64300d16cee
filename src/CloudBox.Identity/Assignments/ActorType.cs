namespace CloudBox.Identity.Assignments;

/// <summary>Who holds a role: <c>user</c> or <c>group</c>.</summary>
public static class ActorType
{
    public const string User = "user";
    public const string Group = "group";
}
