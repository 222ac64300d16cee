namespace CloudBox.Hypervisor.ControlApi;

/// <summary>Body of PUT /vm/disks: {"id": "...", "path": "...", "readonly": false, "serial": "..."}.</summary>
public sealed class DiskRequest
{
    public string? Id { get; set; }
    public string? Path { get; set; }
    public bool Readonly { get; set; }
    public string? Serial { get; set; }
}
