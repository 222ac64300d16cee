namespace CloudBox.Core.Health;

/// <summary>
/// What <c>/healthz</c> reports: not ready until start-up (migrations, bootstrap) is done and
/// every module component that registered a pending item has cleared it, and not ready while a
/// component reports a failure (the network data plane failing its passes, say).
/// </summary>
public sealed class ReadinessGate
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal) { "startup" };
    private readonly Dictionary<string, string> _failing = new(StringComparer.Ordinal);

    /// <summary>Components failing now, with why (one line each).</summary>
    public IReadOnlyDictionary<string, string> Failing
    {
        get { lock (_lock) return new Dictionary<string, string>(_failing); }
    }

    /// <summary>Marks <paramref name="component"/> failing until <see cref="Recovered"/>.</summary>
    public void Failed(string component, string reason)
    {
        lock (_lock) _failing[component] = reason;
    }

    public void Recovered(string component)
    {
        lock (_lock) _failing.Remove(component);
    }

    public bool IsReady
    {
        get { lock (_lock) return _pending.Count == 0 && _failing.Count == 0; }
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
