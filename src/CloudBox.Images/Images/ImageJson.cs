using System.Text.Json.Nodes;
using CloudBox.Core.Ids;

namespace CloudBox.Images.Images;

/// <summary>An image in Glance v2's wire shape: core attributes, then properties at the top level.</summary>
public static class ImageJson
{
    public static JsonObject ToJson(ImageRecord image)
    {
        var tags = new JsonArray();
        foreach (var tag in image.Tags)
            tags.Add(tag);
        var json = new JsonObject
        {
            ["id"] = image.Id,
            ["name"] = image.Name,
            ["status"] = image.Status,
            ["visibility"] = image.Visibility,
            ["protected"] = image.Protected,
            ["os_hidden"] = image.OsHidden,
            ["owner"] = image.Owner,
            ["disk_format"] = image.DiskFormat,
            ["container_format"] = image.ContainerFormat,
            ["size"] = image.Size,
            ["virtual_size"] = image.VirtualSize,
            ["checksum"] = image.Checksum,
            ["os_hash_algo"] = image.OsHashAlgo,
            ["os_hash_value"] = image.OsHashValue,
            ["min_disk"] = image.MinDisk,
            ["min_ram"] = image.MinRam,
            ["tags"] = tags,
            ["created_at"] = Glance(image.CreatedAt),
            ["updated_at"] = Glance(image.UpdatedAt),
            ["self"] = $"/v2/images/{image.Id}",
            ["file"] = $"/v2/images/{image.Id}/file",
            ["schema"] = "/v2/schemas/image",
        };
        foreach (var (name, value) in image.Properties)
            json[name] = value;
        return json;
    }

    /// <summary>Glance writes times to the second with a Z.</summary>
    public static string Glance(string stored) => Timestamps.FromStorage(stored).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
