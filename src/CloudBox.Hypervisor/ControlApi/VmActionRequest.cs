namespace CloudBox.Hypervisor.ControlApi;

/// <summary>Body of PUT /vm/actions: {"action": "pause|resume|shutdown|reboot|kill"}.</summary>
public sealed class VmActionRequest
{
    public string? Action { get; set; }
}
