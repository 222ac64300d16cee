using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Compute.Build;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Images;
using CloudBox.Core.Volumes;

namespace CloudBox.Compute.Volumes;

/// <summary>
/// A server that boots from a volume, read from <c>block_device_mapping_v2</c>: its root is either
/// an existing bootable volume (<c>source_type</c> volume) or a new volume made from an image
/// (<c>source_type</c> image, <c>volume_size</c>); both with <c>destination_type</c> volume and
/// <c>boot_index</c> 0. The root disk is then the volume's own file, never a copy; kernel and
/// ramdisk come from the volume's image metadata (or the image). Data volumes are attached once
/// the server is active (<c>server add volume</c>); mappings for them at create are refused. An
/// image made by snapshotting a volume-backed server (<see cref="VolumeBackedImage"/>) boots the
/// same way: its <c>block_device_mapping</c> names a snapshot, and the root is a new volume made from it.
/// </summary>
public sealed class BootFromVolume
{
    private readonly List<VolumeAttachment> _reserved = [];
    private string? _createdVolumeId;

    private BootFromVolume(ImageSnapshot image) => Image = image;

    /// <summary>What the server remembers of its boot image (kernel, ramdisk, command line); its <c>image</c> field stays empty, as Nova shows it.</summary>
    public ImageSnapshot Image { get; }

    public string? RootVolumeId { get; private init; }
    public string? SourceImageId { get; private init; }
    public string? SourceSnapshotId { get; private init; }
    public int VolumeSize { get; private init; }
    public bool DeleteOnTermination { get; private init; }

    /// <summary>The boot-from-volume request in the body, or null when the server boots from its image as usual.</summary>
    public static async Task<BootFromVolume?> ParseAsync(
        JsonObject body, string? imageRef, CallerContext caller, IImageSource images, IVolumeAttachments? volumes, CancellationToken cancellationToken)
    {
        if (body["block_device_mapping_v2"] is not JsonArray mappings || mappings.Count == 0)
            return await FromImageMappingAsync(imageRef, caller, images, volumes, cancellationToken);
        JsonObject? root = null;
        var others = new List<JsonObject>();
        foreach (var node in mappings)
        {
            var mapping = node as JsonObject ?? throw Invalid("each mapping must be an object");
            var bootIndex = Int(mapping, "boot_index");
            if (bootIndex == 0)
                root = root is null ? mapping : throw Invalid("only one mapping may have boot_index 0");
            else
                others.Add(mapping);
        }
        var rootSource = root?.OptionalString("source_type");
        var rootDestination = root?.OptionalString("destination_type") ?? (rootSource == "image" ? "local" : "volume");
        if (root is null || rootDestination == "local")
        {
            // The root disk comes from the image as usual; only further volumes are mapped.
            if (others.Count > 0)
                throw Invalid("only a boot volume (boot_index 0, destination_type volume) is supported; attach data volumes after the server is active");
            return null;
        }
        if (volumes is null)
            throw ApiFault.BadRequest("Booting from volume needs block storage, and this cloud has no Volumes module.");
        if (others.Count > 0)
            throw Invalid("only a boot volume (boot_index 0, destination_type volume) is supported; attach data volumes after the server is active");
        if (rootDestination != "volume")
            throw Invalid($"destination_type '{rootDestination}' is not supported");
        var deleteOnTermination = Bool(root, "delete_on_termination");
        var uuid = root.OptionalString("uuid");
        switch (rootSource)
        {
            case "volume":
            {
                var volumeId = uuid ?? throw Invalid("a volume mapping needs 'uuid'");
                var volume = await volumes.FindAsync(volumeId, caller, cancellationToken) ?? throw ApiFault.BadRequest($"Block Device Mapping is Invalid: failed to get volume {volumeId}.");
                if (!volume.Bootable)
                    throw ApiFault.BadRequest($"Block Device {volumeId} is not bootable.");
                if (volume.Status != "available")
                    throw ApiFault.BadRequest($"Invalid volume: volume {volumeId} status must be 'available' (it is {volume.Status}).");
                return new BootFromVolume(FromMetadata(volume.ImageMetadata)) { RootVolumeId = volumeId, DeleteOnTermination = deleteOnTermination };
            }
            case "image":
            {
                var imageId = uuid ?? imageRef ?? throw Invalid("an image mapping needs 'uuid'");
                var image = (Guid.TryParse(ServerImages.LastSegment(imageId), out _) ? await images.FindAsync(ServerImages.LastSegment(imageId), caller, cancellationToken) : null)
                    ?? throw ApiFault.BadRequest($"Image {imageId} could not be found.");
                if (image.Status != "active")
                    throw ApiFault.Conflict($"Image {image.Id} is not active.");
                var size = Int(root, "volume_size") ?? throw Invalid("a volume made from an image needs 'volume_size'");
                if (size < 1)
                    throw Invalid("volume_size must be at least 1");
                return new BootFromVolume(ImageSnapshot.From(image)) { SourceImageId = image.Id, VolumeSize = size, DeleteOnTermination = deleteOnTermination };
            }
            default:
                throw Invalid($"source_type '{rootSource ?? "(none)"}' with destination_type volume is not supported; use 'volume' or 'image'");
        }
    }

    /// <summary>The image's own mapping when it is the snapshot of a volume-backed server (Nova's image-defined block device mappings).</summary>
    private static async Task<BootFromVolume?> FromImageMappingAsync(
        string? imageRef, CallerContext caller, IImageSource images, IVolumeAttachments? volumes, CancellationToken cancellationToken)
    {
        if (imageRef is null || !Guid.TryParse(ServerImages.LastSegment(imageRef), out _))
            return null;
        var image = await images.FindAsync(ServerImages.LastSegment(imageRef), caller, cancellationToken);
        if (image is null || VolumeBackedImage.RootSnapshotOf(image) is not { } root)
            return null; // an ordinary image (or an unknown one, which the image lookup of the create refuses)
        if (volumes is null)
            throw ApiFault.BadRequest("Booting from volume needs block storage, and this cloud has no Volumes module.");
        if (image.Status != "active")
            throw ApiFault.Conflict($"Image {image.Id} is not active.");
        return new BootFromVolume(ImageSnapshot.From(image)) { SourceSnapshotId = root.SnapshotId, VolumeSize = root.SizeGb };
    }

    /// <summary>Holds the root volume for the server (creating it from the image or snapshot first when asked), as <c>/dev/vda</c>.</summary>
    public async Task ReserveAsync(ServerRecord server, IVolumeAttachments volumes, CallerContext caller, CancellationToken cancellationToken)
    {
        if (RootVolumeId is not null)
        {
            _reserved.Add(await volumes.ReserveAsync(RootVolumeId, server.Id, "/dev/vda", DeleteOnTermination, 0, attachNow: false, caller, cancellationToken));
        }
        else
        {
            var attachment = SourceSnapshotId is not null
                ? await volumes.CreateFromSnapshotAsync(SourceSnapshotId, VolumeSize, server.Name, server.Id, "/dev/vda", DeleteOnTermination, caller, cancellationToken)
                : await volumes.CreateFromImageAsync(SourceImageId!, VolumeSize, server.Name, server.Id, "/dev/vda", DeleteOnTermination, caller, cancellationToken);
            _createdVolumeId = attachment.VolumeId;
            _reserved.Add(attachment);
        }
    }

    /// <summary>The server could not be created after all: gives back what <see cref="ReserveAsync"/> took.</summary>
    public async Task UndoAsync(IVolumeAttachments volumes)
    {
        foreach (var attachment in _reserved)
            await volumes.RollBackAsync(attachment.Id, CancellationToken.None);
        if (_createdVolumeId is not null)
            await volumes.DeleteAsync(_createdVolumeId, CancellationToken.None);
    }

    private static ImageSnapshot FromMetadata(IReadOnlyDictionary<string, string> metadata) => new()
    {
        Id = metadata.GetValueOrDefault("image_id") ?? "",
        Name = metadata.GetValueOrDefault("image_name"),
        DiskFormat = "raw",
        KernelId = metadata.GetValueOrDefault("kernel_id"),
        RamdiskId = metadata.GetValueOrDefault("ramdisk_id"),
        CommandLine = metadata.GetValueOrDefault("os_command_line"),
    };

    private static ApiFault Invalid(string why) => ApiFault.BadRequest($"Block Device Mapping is Invalid: {why}.");

    private static int? Int(JsonObject mapping, string name) => mapping[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) => n,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && int.TryParse(v.GetValue<string>(), out var n) => n,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        _ => throw Invalid($"'{name}' must be an integer"),
    };

    private static bool Bool(JsonObject mapping, string name) => mapping[name] switch
    {
        null => false,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().ToLowerInvariant() is "true" or "1" or "yes",
        _ => throw Invalid($"'{name}' must be a boolean"),
    };
}
