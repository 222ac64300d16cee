namespace CloudBox.Hypervisor.Configuration;

/// <summary>A virtio-net device attached to an existing (or created) tap interface.</summary>
public sealed class NetConfig
{
    public string Tap { get; set; } = "";
    /// <summary>"52:54:00:12:34:56"; generated when absent.</summary>
    public string? Mac { get; set; }
}
