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
    };

    public string ToJson() => JsonSerializer.Serialize(this);

    public static ImageSnapshot Parse(string json) => JsonSerializer.Deserialize<ImageSnapshot>(json) ?? new ImageSnapshot();
}
