using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Quotas;
using CloudBox.Volumes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Volumes;

/// <summary><c>POST /v3/{project_id}/volumes/{id}/action</c>: os-extend, os-set_bootable, os-update_readonly_flag, os-reset_status, os-volume_upload_image, os-retype, os-force_delete, revert, the image metadata actions, and the attach actions (<see cref="Attachments.VolumeAttachActions"/>).</summary>
public static class VolumeActionEndpoints
{
    private static readonly string[] ResettableStatuses =
        [VolumeStatus.Available, VolumeStatus.Error, VolumeStatus.InUse, VolumeStatus.ErrorDeleting, VolumeStatus.ErrorExtending, VolumeStatus.Creating, VolumeStatus.Deleting, VolumeStatus.Extending,
         VolumeStatus.Reserved, VolumeStatus.Attaching, VolumeStatus.Detaching];

    public static void Map(IEndpointRouteBuilder project) => project.MapPost("/volumes/{id}/action", ActAsync);

    private static async Task<IResult> ActAsync(
        string projectId, string id, HttpContext context, VolumeStore volumes, Admission admission, VolumeWorkSignal signal,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get");
        VolumesRequest.RequireProject(caller, projectId);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        if (body.Count != 1)
            throw ApiFault.BadRequest("The action body must name exactly one action.");
        var (action, argument) = body.First();
        var volume = await VolumeEndpoints.FindVisibleAsync(id, caller, volumes, cancellationToken);
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        switch (action)
        {
            case "os-extend":
            {
                context.Authorize(policy, "volume:extend");
                var newSize = VolumesRequest.OptionalInt(Argument(argument, action), "new_size")
                    ?? throw ApiFault.BadRequest("os-extend needs 'new_size'.");
                if (volume.Status != VolumeStatus.Available)
                    throw ApiFault.BadRequest($"Invalid volume: Volume status must be available to extend (it is {volume.Status}); CloudBox does not extend attached volumes.");
                if (newSize <= volume.SizeGb)
                    throw ApiFault.BadRequest($"Invalid input received: New size for extend must be greater than current size. (current: {volume.SizeGb}, extended: {newSize}).");
                if (!await admission.AdmitExtendAsync(volume, newSize, now, cancellationToken))
                    throw ApiFault.Conflict($"Volume {id} changed status while it was being extended; retry.");
                signal.Notify();
                return Results.StatusCode(StatusCodes.Status202Accepted);
            }
            case "os-set_bootable":
            {
                context.Authorize(policy, "volume:update");
                volume.Bootable = VolumesRequest.OptionalBool(Argument(argument, action), "bootable") ?? throw ApiFault.BadRequest("os-set_bootable needs 'bootable'.");
                return await SaveAsync(volume, now, volumes, cancellationToken);
            }
            case "os-update_readonly_flag":
            {
                context.Authorize(policy, "volume:update");
                volume.Readonly = VolumesRequest.OptionalBool(Argument(argument, action), "readonly") ?? throw ApiFault.BadRequest("os-update_readonly_flag needs 'readonly'.");
                return await SaveAsync(volume, now, volumes, cancellationToken);
            }
            case "os-reset_status":
            {
                context.Authorize(policy, "volume:reset_status");
                var status = VolumesRequest.OptionalString(Argument(argument, action), "status") ?? throw ApiFault.BadRequest("os-reset_status needs 'status'.");
                if (!ResettableStatuses.Contains(status))
                    throw ApiFault.BadRequest($"Invalid status '{status}'.");
                var from = volume.Status;
                volume.Status = status;
                volume.UpdatedAt = now;
                if (!await volumes.UpdateAsync(volume, from, cancellationToken))
                    throw ApiFault.Conflict($"Volume {id} changed while its status was being reset; retry.");
                return Results.StatusCode(StatusCodes.Status202Accepted);
            }
            case VolumeUploadImage.Action:
                context.Authorize(policy, "volume:upload_image");
                return await VolumeUploadImage.RunAsync(Argument(argument, action), volume, caller, context, cancellationToken);
            case VolumeRetype.Action:
                context.Authorize(policy, "volume:retype");
                return await VolumeRetype.RunAsync(Argument(argument, action), volume, caller, context, cancellationToken);
            case VolumeForceDelete.Action:
                context.Authorize(policy, "volume:force_delete");
                return await VolumeForceDelete.RunAsync(volume, context, cancellationToken);
            case VolumeRevert.Action:
                context.Authorize(policy, "volume:revert_to_snapshot");
                return await VolumeRevert.RunAsync(Argument(argument, action), volume, context, cancellationToken);
            case var imageMetadata when VolumeImageMetadataActions.Names.Contains(imageMetadata):
                context.Authorize(policy, imageMetadata == VolumeImageMetadataActions.Show ? "volume:get" : "volume:update_image_metadata");
                return await VolumeImageMetadataActions.RunAsync(imageMetadata, argument, volume, context, cancellationToken);
            case var attach when Attachments.VolumeAttachActions.Names.Contains(attach):
                context.Authorize(policy, "volume:update");
                return await Attachments.VolumeAttachActions.RunAsync(attach, argument, volume, caller, context, cancellationToken);
            default:
                throw ApiFault.BadRequest($"There is no such action: {action}");
        }
    }

    private static JsonObject Argument(JsonNode? argument, string action) =>
        argument as JsonObject ?? throw ApiFault.BadRequest($"The {action} action needs an object argument.");

    private static async Task<IResult> SaveAsync(VolumeRecord volume, string now, VolumeStore volumes, CancellationToken cancellationToken)
    {
        volume.UpdatedAt = now;
        if (!await volumes.UpdateAsync(volume, volume.Status, cancellationToken))
            throw ApiFault.Conflict($"Volume {volume.Id} changed while it was being updated; retry.");
        return Results.Ok();
    }
}
