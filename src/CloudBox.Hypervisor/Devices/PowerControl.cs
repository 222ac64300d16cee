namespace CloudBox.Hypervisor.Devices;

/// <summary>What the guest asked the machine to do; devices report here and the VM loop acts on it.</summary>
public sealed class PowerControl
{
    private int _request;

    /// <summary>Raised once when a request is first recorded (the VM stops its vCPUs).</summary>
    public event Action? Requested;

    public PowerRequest Request => (PowerRequest)Volatile.Read(ref _request);

    public void PowerOff() => Set(PowerRequest.PowerOff);

    public void Reset() => Set(PowerRequest.Reset);

    public void Set(PowerRequest request)
    {
        if (Interlocked.CompareExchange(ref _request, (int)request, 0) == 0) Requested?.Invoke();
    }

    /// <summary>Forgets a handled request (after a reboot).</summary>
    public void Clear() => Volatile.Write(ref _request, 0);
}
