using CloudBox.Core.Ids;
using CloudBox.Identity.Users;

namespace CloudBox.Identity.Passwords;

/// <summary>
/// Keystone's account lockout (<c>lockout_failure_attempts</c>, <c>lockout_duration</c>): after that
/// many failed password logins in a row a user is refused, even with the right password, until the
/// duration has passed since the last failure; a success clears the count. Off when the attempts
/// are 0 (the default).
/// </summary>
public sealed class Lockout(UserStore users, TimeProvider clock, int failureAttempts, TimeSpan duration)
{
    public bool Enabled => failureAttempts > 0;

    public async Task<bool> IsLockedAsync(string userId, CancellationToken cancellationToken)
    {
        if (!Enabled)
            return false;
        var (count, at) = await users.FailedAuthAsync(userId, cancellationToken);
        return count >= failureAttempts && !Expired(at);
    }

    public async Task FailedAsync(string userId, CancellationToken cancellationToken)
    {
        if (!Enabled)
            return;
        var (count, at) = await users.FailedAuthAsync(userId, cancellationToken);
        // A failure after the lockout (or a quiet spell as long) starts a new count, as in Keystone.
        var next = Expired(at) ? 1 : count + 1;
        await users.SetFailedAuthAsync(userId, next, Timestamps.ToStorage(clock.GetUtcNow()), cancellationToken);
    }

    public async Task SucceededAsync(string userId, CancellationToken cancellationToken)
    {
        if (!Enabled)
            return;
        var (count, _) = await users.FailedAuthAsync(userId, cancellationToken);
        if (count != 0)
            await users.SetFailedAuthAsync(userId, 0, null, cancellationToken);
    }

    private bool Expired(string? at) => at is null || Timestamps.FromStorage(at) + duration <= clock.GetUtcNow();
}
