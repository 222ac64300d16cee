namespace CloudBox.Hypervisor.Configuration;

/// <summary>A raw disk image file exposed as virtio-blk.</summary>
public sealed class DiskConfig
{
    public string Path { get; set; } = "";
    public bool ReadOnly { get; set; }
    /// <summary>The serial the guest sees (/sys/block/vdX/serial); defaults to the file name.</summary>
    public string? Serial { get; set; }
}
