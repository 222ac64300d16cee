namespace CloudBox.Hypervisor.ControlApi;

/// <summary>Body of PUT /vm/nets: {"id": "...", "tap": "...", "mac": "52:54:00:..."}; id defaults to the tap, mac is generated when absent.</summary>
public sealed class NetRequest
{
    public string? Id { get; set; }
    public string? Tap { get; set; }
    public string? Mac { get; set; }
}
