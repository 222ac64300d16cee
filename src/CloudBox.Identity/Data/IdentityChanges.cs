namespace CloudBox.Identity.Data;

/// <summary>
/// A counter every write that can change who may do what bumps (users, projects, domains,
/// roles, assignments, groups, application credentials). Caches compare it to know they are stale.
/// </summary>
public sealed class IdentityChanges
{
    private long _generation;

    public long Generation => Interlocked.Read(ref _generation);

    public void Bump() => Interlocked.Increment(ref _generation);
}
