using System.Globalization;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Images;
using CloudBox.Volumes.Storage;

namespace CloudBox.Volumes.Volumes;

/// <summary>What a volume made from an image starts with: its smallest size and the image's properties (<c>volume_image_metadata</c>).</summary>
public static class ImageVolumeSource
{
    public static async Task<(int MinimumGb, Dictionary<string, string> Metadata)> ReadAsync(
        IImageSource images, string imageRef, CallerContext caller, CancellationToken cancellationToken)
    {
        var image = await images.FindAsync(imageRef, caller, cancellationToken)
            ?? throw ApiFault.BadRequest($"Invalid image identifier or unable to access requested image {imageRef}.");
        if (image.Status != "active")
            throw ApiFault.BadRequest($"Image {imageRef} is not active (it is {image.Status}).");
        var bytes = Math.Max(image.VirtualSize ?? 0, image.Size ?? 0);
        var minimumGb = Math.Max((int)((bytes + VolumeFiles.GiB - 1) / VolumeFiles.GiB), Math.Max(image.MinDisk, 1));
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in image.Properties)
            metadata[key] = value;
        metadata["image_id"] = image.Id;
        metadata["image_name"] = image.Name ?? "";
        metadata["disk_format"] = image.DiskFormat ?? "raw";
        metadata["container_format"] = image.ContainerFormat ?? "bare";
        metadata["min_disk"] = image.MinDisk.ToString(CultureInfo.InvariantCulture);
        metadata["min_ram"] = image.MinRam.ToString(CultureInfo.InvariantCulture);
        metadata["size"] = (image.Size ?? 0).ToString(CultureInfo.InvariantCulture);
        return (minimumGb, metadata);
    }
}
