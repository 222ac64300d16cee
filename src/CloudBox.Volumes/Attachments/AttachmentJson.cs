using System.Text.Json.Nodes;
using CloudBox.Volumes.Volumes;

namespace CloudBox.Volumes.Attachments;

/// <summary>Attachments on the wire: in the attachments API (3.27) and in a volume's <c>attachments</c> list.</summary>
public static class AttachmentJson
{
    public static JsonObject Summary(AttachmentRecord attachment) => new()
    {
        ["id"] = attachment.Id,
        ["status"] = attachment.Status,
        ["instance"] = attachment.ServerId,
        ["volume_id"] = attachment.VolumeId,
    };

    public static JsonObject Detail(AttachmentRecord attachment, string volumePath)
    {
        var json = Summary(attachment);
        json["attached_at"] = attachment.AttachedAt is null ? null : VolumeJson.Cinder(attachment.AttachedAt);
        json["detached_at"] = null;
        json["attach_mode"] = attachment.AttachMode;
        json["connection_info"] = attachment.Connector is null ? new JsonObject() : ConnectionInfo(attachment, volumePath);
        return json;
    }

    /// <summary>
    /// How a host reaches the volume: a local file (Cinder's <c>local</c> connector type), because
    /// volumes live on the node that runs the VMs.
    /// </summary>
    public static JsonObject ConnectionInfo(AttachmentRecord? attachment, string volumePath) => new()
    {
        ["driver_volume_type"] = "local",
        ["data"] = new JsonObject
        {
            ["device_path"] = volumePath,
            ["access_mode"] = attachment?.AttachMode ?? "rw",
            ["attachment_id"] = attachment?.Id,
        },
    };

    /// <summary>One entry of a volume's <c>attachments</c>: only attachments that are in use are listed, as Cinder does.</summary>
    public static JsonObject OfVolume(AttachmentRecord attachment) => new()
    {
        ["server_id"] = attachment.ServerId,
        ["attachment_id"] = attachment.Id,
        ["attached_at"] = attachment.AttachedAt is null ? null : VolumeJson.Cinder(attachment.AttachedAt),
        ["host_name"] = attachment.Host,
        ["volume_id"] = attachment.VolumeId,
        ["device"] = attachment.Device,
        ["id"] = attachment.VolumeId,
    };
}
