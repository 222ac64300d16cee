using System.Collections.Concurrent;

namespace CloudBox.Databases.Agent;

/// <summary>
/// Wakes waiters in this process: an agent's long poll when a task is queued for its instance, and an API
/// request when the task it waits for is answered. Waiters also re-read the database at a short interval,
/// so work queued by another node is seen too.
/// </summary>
internal sealed class AgentSignals
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _signals = new();

    public void Notify(string key)
    {
        if (_signals.TryGetValue(key, out var signal) && signal.CurrentCount == 0)
            signal.Release();
    }

    /// <summary>Waits for <see cref="Notify"/> on <paramref name="key"/> or <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var signal = _signals.GetOrAdd(key, _ => new SemaphoreSlim(0));
        await signal.WaitAsync(timeout, cancellationToken);
    }

    /// <summary>Drops the signal of a key nobody will wait on again (a finished task).</summary>
    public void Forget(string key) => _signals.TryRemove(key, out _);
}
