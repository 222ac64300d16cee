namespace CloudBox.Hypervisor.Devices;

/// <summary>Why the vCPUs stopped.</summary>
public enum PowerRequest
{
    None = 0,
    PowerOff,
    Reset,
    TripleFault,
    InternalError,
    Crash,
    Kill,
}
