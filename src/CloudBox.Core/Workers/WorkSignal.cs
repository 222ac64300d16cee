namespace CloudBox.Core.Workers;

/// <summary>
/// Wakes a background worker when a request has queued work for it, so the work starts at once
/// rather than at the next poll. Each worker derives its own type, so DI keeps them apart.
/// </summary>
public abstract class WorkSignal
{
    private readonly SemaphoreSlim _signal = new(0);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
            _signal.Release();
    }

    /// <summary>Waits for a notification or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
