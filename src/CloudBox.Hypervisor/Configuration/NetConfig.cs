namespace CloudBox.Hypervisor.Configuration;

/// <summary>A virtio-net device attached to an existing (or created) tap interface.</summary>
public sealed class NetConfig
{
    /// <summary>Names the NIC in the control API (DELETE /vm/nets/ID); defaults to the tap's name.</summary>
    public string? Id { get; set; }
    public string Tap { get; set; } = "";
    /// <summary>"52:54:00:12:34:56"; generated when absent.</summary>
    public string? Mac { get; set; }
}
