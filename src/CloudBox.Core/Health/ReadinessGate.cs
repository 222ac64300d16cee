namespace CloudBox.Core.Health;

/// <summary>
/// What <c>/healthz</c> reports: not ready until start-up (migrations, bootstrap) is done and
/// every module component that registered a pending item has cleared it.
/// </summary>
public sealed class ReadinessGate
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal) { "startup" };

    public bool IsReady
    {
        get { lock (_lock) return _pending.Count == 0; }
    }

    public IReadOnlyList<string> Pending
    {
        get { lock (_lock) return [.. _pending]; }
    }

    public void Wait(string component)
    {
        lock (_lock) _pending.Add(component);
    }

    public void Ready(string component)
    {
        lock (_lock) _pending.Remove(component);
    }
}
