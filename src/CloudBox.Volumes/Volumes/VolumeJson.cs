using System.Text.Json.Nodes;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Data;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Volumes.Volumes;

/// <summary>A volume in Cinder v3's wire shape (3.0, with <c>group_id</c> from 3.13 and <c>provider_id</c> from 3.21).</summary>
public static class VolumeJson
{
    public const string AvailabilityZone = "nova";

    public static JsonObject Detail(VolumeRecord volume, string typeName, HttpRequest request, bool isAdmin, IReadOnlyList<Attachments.AttachmentRecord>? attachments = null)
    {
        var attached = new JsonArray();
        foreach (var attachment in attachments ?? [])
        {
            if (attachment.Status is Attachments.AttachmentStatus.Attached or Attachments.AttachmentStatus.Detaching)
                attached.Add(Attachments.AttachmentJson.OfVolume(attachment));
        }
        var json = new JsonObject
        {
            ["id"] = volume.Id,
            ["name"] = volume.Name,
            ["description"] = volume.Description,
            ["status"] = volume.Status,
            ["size"] = volume.SizeGb,
            ["availability_zone"] = AvailabilityZone,
            ["created_at"] = Cinder(volume.CreatedAt),
            ["updated_at"] = Cinder(volume.UpdatedAt),
            ["attachments"] = attached,
            ["bootable"] = volume.Bootable ? "true" : "false",
            ["encrypted"] = false,
            ["multiattach"] = volume.Multiattach,
            ["metadata"] = Map(volume.Metadata),
            ["volume_type"] = typeName,
            ["snapshot_id"] = volume.SnapshotId,
            ["source_volid"] = volume.SourceVolid,
            ["user_id"] = volume.UserId,
            ["replication_status"] = "disabled",
            ["consistencygroup_id"] = null,
            ["migration_status"] = null,
            ["links"] = Links(request, volume.ProjectId, "volumes", volume.Id),
        };
        // Shown when the volume holds an image, or has been given image metadata (os-set_image_metadata).
        if (volume.ImageId is not null || volume.ImageMetadata is not ("{}" or ""))
            json["volume_image_metadata"] = Map(volume.ImageMetadata);
        if (Api.VolumeApiVersion.AtLeast(request.HttpContext, "3.13"))
            json["group_id"] = null;
        if (isAdmin && Api.VolumeApiVersion.AtLeast(request.HttpContext, "3.21"))
            json["provider_id"] = null;
        if (isAdmin)
        {
            json["os-vol-tenant-attr:tenant_id"] = volume.ProjectId;
            json["os-vol-host-attr:host"] = "cloudbox@local#local";
            json["os-vol-mig-status-attr:migstat"] = null;
            json["os-vol-mig-status-attr:name_id"] = null;
        }
        return json;
    }

    public static JsonObject Summary(VolumeRecord volume, HttpRequest request) => new()
    {
        ["id"] = volume.Id,
        ["name"] = volume.Name,
        ["links"] = Links(request, volume.ProjectId, "volumes", volume.Id),
    };

    public static JsonObject Map(string json)
    {
        var map = new JsonObject();
        foreach (var (key, value) in VolumesJson.ReadMap(json))
            map[key] = value;
        return map;
    }

    public static JsonArray Links(HttpRequest request, string projectId, string collection, string id)
    {
        var root = $"{request.Scheme}://{request.Host}{request.PathBase}/volume";
        return new JsonArray(
            new JsonObject { ["rel"] = "self", ["href"] = $"{root}/v3/{projectId}/{collection}/{id}" },
            new JsonObject { ["rel"] = "bookmark", ["href"] = $"{root}/{projectId}/{collection}/{id}" });
    }

    /// <summary>Cinder writes times with microseconds and no zone.</summary>
    public static string Cinder(string stored) =>
        Timestamps.FromStorage(stored).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);
}
