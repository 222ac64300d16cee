namespace CloudBox.Images.Import;

/// <summary>Wakes the import worker when a task is queued, so imports start at once rather than at the next poll.</summary>
public sealed class ImportSignal
{
    private readonly SemaphoreSlim _signal = new(0);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
            _signal.Release();
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
