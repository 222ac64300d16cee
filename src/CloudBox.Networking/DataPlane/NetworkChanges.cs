namespace CloudBox.Networking.DataPlane;

/// <summary>
/// Raised after every committed change that the kernel must follow; the data plane reconciler
/// wakes on it. Coalesces: many changes before the reconciler runs cost one pass.
/// </summary>
public sealed class NetworkChanges
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Changed()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // already signalled; the pending pass will see this change too
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);
}
