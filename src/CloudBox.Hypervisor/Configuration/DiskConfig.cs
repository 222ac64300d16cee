namespace CloudBox.Hypervisor.Configuration;

/// <summary>A raw disk image file exposed as virtio-blk.</summary>
public sealed class DiskConfig
{
    /// <summary>Names the disk in the control API (DELETE /vm/disks/ID); command-line disks default to disk0, disk1, ...</summary>
    public string? Id { get; set; }
    public string Path { get; set; } = "";
    public bool ReadOnly { get; set; }
    /// <summary>The serial the guest sees (/sys/block/vdX/serial, at most 20 characters); defaults to the file name.</summary>
    public string? Serial { get; set; }
}
