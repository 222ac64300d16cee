using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Volumes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Attachments;

/// <summary>
/// The older attach protocol as volume actions (before the attachments API): <c>os-reserve</c>,
/// <c>os-unreserve</c>, <c>os-initialize_connection</c>, <c>os-attach</c>, <c>os-begin_detaching</c>,
/// <c>os-roll_detaching</c>, <c>os-detach</c>, <c>os-terminate_connection</c>. They drive the same
/// attachment rows as everything else.
/// </summary>
public static class VolumeAttachActions
{
    public static readonly string[] Names =
        ["os-reserve", "os-unreserve", "os-initialize_connection", "os-terminate_connection", "os-attach", "os-begin_detaching", "os-roll_detaching", "os-detach"];

    public static async Task<IResult> RunAsync(string action, JsonNode? argument, VolumeRecord volume, CallerContext caller, HttpContext context, CancellationToken cancellationToken)
    {
        var service = context.RequestServices.GetRequiredService<VolumeAttachmentService>();
        var attachments = context.RequestServices.GetRequiredService<AttachmentStore>();
        var files = context.RequestServices.GetRequiredService<VolumeFiles>();
        var now = Timestamps.ToStorage(context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        var arguments = argument as JsonObject ?? [];
        switch (action)
        {
            case "os-reserve":
                await service.CreateAsync(volume.Id, null, null, AttachmentStatus.Attaching, AttachmentStatus.OwnerApi, false, null, null, caller, cancellationToken);
                return Results.StatusCode(StatusCodes.Status202Accepted);
            case "os-initialize_connection":
            {
                if (arguments["connector"] is not JsonObject)
                    throw ApiFault.BadRequest("os-initialize_connection needs a 'connector' object.");
                var pending = (await attachments.ListForVolumesAsync([volume.Id], cancellationToken)).FirstOrDefault(a => a.Status != AttachmentStatus.Detaching);
                return JsonBody.Node(new JsonObject { ["connection_info"] = AttachmentJson.ConnectionInfo(pending, files.VolumePath(volume.Id)) });
            }
            case "os-terminate_connection":
                return Results.StatusCode(StatusCodes.Status202Accepted);
        }

        await attachments.ChangeAsync(volume.Id, now, async (connection, transaction, current) =>
        {
            var rows = await AttachmentStore.ListForVolumeAsync(connection, transaction, volume.Id);
            switch (action)
            {
                case "os-unreserve":
                    foreach (var row in rows.Where(r => r.Status is AttachmentStatus.Reserved or AttachmentStatus.Attaching && r.Owner == AttachmentStatus.OwnerApi))
                        await AttachmentStore.DeleteAsync(connection, transaction, row.Id);
                    break;
                case "os-attach":
                {
                    var server = VolumesRequest.OptionalString(arguments, "instance_uuid");
                    var host = VolumesRequest.OptionalString(arguments, "host_name");
                    if (server is null && host is null)
                        throw ApiFault.BadRequest("os-attach needs 'instance_uuid' or 'host_name'.");
                    var mode = VolumesRequest.OptionalString(arguments, "mode") ?? "rw";
                    if (mode is not ("rw" or "ro"))
                        throw ApiFault.BadRequest($"Invalid attach mode '{mode}': use rw or ro.");
                    var row = rows.FirstOrDefault(r => r.Status is AttachmentStatus.Reserved or AttachmentStatus.Attaching && r.Owner == AttachmentStatus.OwnerApi)
                        ?? throw ApiFault.BadRequest($"Invalid volume: volume {volume.Id} must be reserved (os-reserve) before os-attach; it is {current.Status}.");
                    row.ServerId = server;
                    row.Host = host;
                    row.Device = VolumesRequest.OptionalString(arguments, "mountpoint");
                    row.AttachMode = mode;
                    row.Status = AttachmentStatus.Attached;
                    row.AttachedAt = now;
                    row.UpdatedAt = now;
                    await AttachmentStore.UpdateAsync(connection, transaction, row);
                    break;
                }
                case "os-begin_detaching":
                {
                    var row = rows.FirstOrDefault(r => r.Status == AttachmentStatus.Attached)
                        ?? throw ApiFault.BadRequest($"Invalid volume: volume {volume.Id} must be in-use to begin detaching; it is {current.Status}.");
                    row.Status = AttachmentStatus.Detaching;
                    row.UpdatedAt = now;
                    await AttachmentStore.UpdateAsync(connection, transaction, row);
                    break;
                }
                case "os-roll_detaching":
                    foreach (var row in rows.Where(r => r.Status == AttachmentStatus.Detaching))
                    {
                        row.Status = AttachmentStatus.Attached;
                        row.UpdatedAt = now;
                        await AttachmentStore.UpdateAsync(connection, transaction, row);
                    }
                    break;
                case "os-detach":
                {
                    var attachmentId = VolumesRequest.OptionalString(arguments, "attachment_id");
                    var targets = rows.Where(r => attachmentId is null ? r.Status is AttachmentStatus.Attached or AttachmentStatus.Detaching : r.Id == attachmentId).ToList();
                    if (targets.Count == 0)
                        throw ApiFault.BadRequest($"Invalid volume: volume {volume.Id} has no attachment to detach.");
                    if (targets.Any(t => t.Owner == AttachmentStatus.OwnerCompute) && !VolumesRequest.IsAdmin(caller))
                        throw ApiFault.BadRequest($"Invalid volume: volume {volume.Id} is attached to a server; detach it through the Compute API.");
                    foreach (var row in targets)
                        await AttachmentStore.DeleteAsync(connection, transaction, row.Id);
                    break;
                }
            }
            return true;
        }, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
