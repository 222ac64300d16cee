namespace CloudBox.Compute.Build;

/// <summary>Wakes the build worker as soon as a server is created instead of at its next poll.</summary>
public sealed class BuildSignal
{
    private readonly SemaphoreSlim _signal = new(0);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
            _signal.Release();
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _signal.WaitAsync(timeout, cancellationToken);
}
