using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Images;

namespace CloudBox.Volumes.Volumes;

/// <summary>
/// 3.46: an image Nova made of a volume-backed server holds no data (size 0), only a block device
/// mapping whose boot disk is a volume snapshot. A volume created from such an image is made from
/// that snapshot, as Cinder does.
/// </summary>
public static class NovaSnapshotImage
{
    /// <summary>The snapshot of the image's boot disk, or null when the image is an ordinary one.</summary>
    public static string? RootSnapshotOf(ImageInfo image)
    {
        if ((image.Size ?? 0) != 0 || !image.Properties.TryGetValue("block_device_mapping", out var text) || string.IsNullOrEmpty(text))
            return null;
        JsonArray? mappings;
        try
        {
            mappings = JsonNode.Parse(text) as JsonArray;
        }
        catch (JsonException)
        {
            return null;
        }
        foreach (var entry in mappings ?? [])
        {
            if (entry is JsonObject mapping && mapping["boot_index"]?.ToString() == "0"
                && mapping["snapshot_id"] is JsonValue snapshot && snapshot.TryGetValue<string>(out var snapshotId))
                return snapshotId;
        }
        return null;
    }
}
