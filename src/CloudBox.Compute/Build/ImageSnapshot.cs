using System.Text.Json;
using CloudBox.Core.Images;

namespace CloudBox.Compute.Build;

/// <summary>What a server remembers of its image at create: enough to build and boot without looking it up again.</summary>
public sealed class ImageSnapshot
{
    public string Id { get; set; } = "";
    public string? Name { get; set; }
    public string? DiskFormat { get; set; }
    public long? Size { get; set; }
    public long? VirtualSize { get; set; }
    public string? KernelId { get; set; }
    public string? RamdiskId { get; set; }
    public string? CommandLine { get; set; }

    /// <summary><c>os_boot_mode</c>: <c>kernel-from-disk</c> or <c>direct-kernel</c> forces a path.</summary>
    public string? BootMode { get; set; }

    /// <summary>Glance's <c>hw_firmware_type</c> (<c>bios</c>, <c>uefi</c>): the image boots through its own boot loader.</summary>
    public string? FirmwareType { get; set; }

    /// <summary>
    /// Whether the kernel, initrd and command line come from the server's root disk (as pygrub does) rather than from
    /// <c>kernel_id</c>/<c>ramdisk_id</c>: <c>os_boot_mode</c> decides when set, else a firmware type or a missing
    /// <c>kernel_id</c> means the disk boots itself.
    /// </summary>
    public bool KernelFromDisk => BootMode switch
    {
        "kernel-from-disk" => true,
        "direct-kernel" => false,
        _ => string.IsNullOrEmpty(KernelId) || !string.IsNullOrEmpty(FirmwareType),
    };

    public static ImageSnapshot From(ImageInfo image) => new()
    {
        Id = image.Id,
        Name = image.Name,
        DiskFormat = image.DiskFormat,
        Size = image.Size,
        VirtualSize = image.VirtualSize,
        KernelId = image.Properties.GetValueOrDefault("kernel_id"),
        RamdiskId = image.Properties.GetValueOrDefault("ramdisk_id"),
        CommandLine = image.Properties.GetValueOrDefault("os_command_line"),
        BootMode = image.Properties.GetValueOrDefault("os_boot_mode"),
        FirmwareType = image.Properties.GetValueOrDefault("hw_firmware_type"),
    };

    public string ToJson() => JsonSerializer.Serialize(this);

    public static ImageSnapshot Parse(string json) => JsonSerializer.Deserialize<ImageSnapshot>(json) ?? new ImageSnapshot();
}
