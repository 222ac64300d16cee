using System.Text.Json.Nodes;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Images;
using CloudBox.Core.Volumes;

namespace CloudBox.Compute.Volumes;

/// <summary>
/// createImage of a volume-backed server, as Nova does it: the boot volume is snapshotted in Cinder
/// and the Glance image holds no data (size 0), only the mapping that says how to boot from the
/// snapshot (<c>bdm_v2</c>, <c>block_device_mapping</c>, <c>root_device_name</c>). Booting from the
/// image makes a new volume from the snapshot (<see cref="BootFromVolume"/>). Data volumes are not
/// part of the image (CloudBox attaches data volumes after create only).
/// </summary>
public static class VolumeBackedImage
{
    public const string RootDeviceName = "/dev/vda";

    /// <summary>How long the snapshot of the boot volume may take before the createImage fails.</summary>
    public static readonly TimeSpan SnapshotTimeout = TimeSpan.FromMinutes(10);

    public static async Task<ImageInfo> CreateAsync(ServerRecord server, VolumeAttachment root, string name, Dictionary<string, string> properties,
        string diskFormat, IVolumeAttachments volumes, IImageSource images, string scratchDirectory, CallerContext caller, CancellationToken cancellationToken)
    {
        var snapshot = await volumes.SnapshotAsync(root.VolumeId, $"snapshot for {name}", SnapshotTimeout, caller, cancellationToken);
        var mapping = new JsonArray(new JsonObject
        {
            ["boot_index"] = 0,
            ["source_type"] = "snapshot",
            ["destination_type"] = "volume",
            ["snapshot_id"] = snapshot.SnapshotId,
            ["volume_id"] = null,
            ["image_id"] = null,
            ["volume_size"] = snapshot.SizeGb,
            ["device_name"] = root.Device ?? RootDeviceName,
            ["delete_on_termination"] = false,
            ["device_type"] = "disk",
            ["disk_bus"] = null,
            ["guest_format"] = null,
            ["no_device"] = null,
            ["tag"] = null,
        });
        properties["bdm_v2"] = "True";
        properties["block_device_mapping"] = mapping.ToJsonString();
        properties["root_device_name"] = RootDeviceName;
        // An empty upload: the image is active with size 0, its content is the snapshot.
        var empty = Path.Combine(scratchDirectory, $"volume-backed-{Guid.NewGuid():N}.empty");
        try
        {
            Directory.CreateDirectory(scratchDirectory);
            await File.WriteAllBytesAsync(empty, [], cancellationToken);
            return await images.CreateFromFileAsync(name, diskFormat, empty, properties, caller, cancellationToken);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    /// <summary>
    /// The boot mapping an image made by <see cref="CreateAsync"/> carries: the root's snapshot and
    /// size, or null when the image is an ordinary one (or its mapping has no snapshot root).
    /// </summary>
    public static (string SnapshotId, int SizeGb)? RootSnapshotOf(ImageInfo image)
    {
        if (!image.Properties.TryGetValue("block_device_mapping", out var text) || string.IsNullOrEmpty(text))
            return null;
        JsonArray? list;
        try
        {
            list = JsonNode.Parse(text) as JsonArray;
        }
        catch (System.Text.Json.JsonException)
        {
            throw ApiFault.BadRequest($"Block Device Mapping is Invalid: image {image.Id} has a malformed block_device_mapping property.");
        }
        foreach (var entry in list ?? [])
        {
            if (entry is not JsonObject mapping || mapping["source_type"]?.GetValue<string>() != "snapshot")
                continue;
            var bootIndex = mapping["boot_index"] is JsonValue b && b.TryGetValue<int>(out var n) ? n : (int?)null;
            if (bootIndex is not 0 && mapping["device_name"]?.GetValue<string>() != image.Properties.GetValueOrDefault("root_device_name", RootDeviceName))
                continue;
            var snapshotId = mapping["snapshot_id"]?.GetValue<string>();
            if (snapshotId is null)
                continue;
            var size = mapping["volume_size"] is JsonValue v && v.TryGetValue<int>(out var gb) ? gb : 0;
            return (snapshotId, size);
        }
        return null;
    }
}
