using System.Text.Json.Nodes;
using CloudBox.Compute.InstanceActions;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Core.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Volumes;

/// <summary>
/// <c>/servers/{id}/os-volume_attachments</c>: list, show, attach (<c>POST {volumeAttachment:
/// {volumeId, device?}}</c>) and detach, in Nova's shape up to the module's maximum microversion
/// (the 2.70+ fields tag, delete_on_termination and attachment ids are beyond it). Attach and
/// detach are recorded as the instance actions <c>attach_volume</c> and <c>detach_volume</c>. Detach
/// answers 202 with the volume <c>detaching</c> and finishes in the background (<see cref="VolumeDetachWorker"/>).
/// </summary>
public static class VolumeAttachmentEndpoints
{
    private static readonly string[] AttachableStates = [ServerStates.Active, ServerStates.Stopped, ServerStates.Paused, ServerStates.Suspended];

    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/servers/{id}/os-volume_attachments", ListAsync);
        v21.MapGet("/servers/{id}/os-volume_attachments/{volumeId}", ShowAsync);
        v21.MapPost("/servers/{id}/os-volume_attachments", AttachAsync);
        v21.MapDelete("/servers/{id}/os-volume_attachments/{volumeId}", DetachAsync);
    }

    public static JsonObject Render(VolumeAttachment attachment) => new()
    {
        ["device"] = attachment.Device,
        ["id"] = attachment.VolumeId,
        ["serverId"] = attachment.ServerId,
        ["volumeId"] = attachment.VolumeId,
    };

    private static async Task<IResult> ListAsync(string id, HttpContext context, ServerStore servers, ServerVolumes volumes, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:show");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var list = new JsonArray();
        foreach (var attachment in await volumes.ListAsync(server.Id, cancellationToken))
            list.Add(Render(attachment));
        return JsonBody.Node(new JsonObject { ["volumeAttachments"] = list });
    }

    private static async Task<IResult> ShowAsync(string id, string volumeId, HttpContext context, ServerStore servers, ServerVolumes volumes, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:show");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var attachment = (await volumes.ListAsync(server.Id, cancellationToken)).FirstOrDefault(a => a.VolumeId == volumeId)
            ?? throw ApiFault.NotFound($"Volume {volumeId} is not attached to instance {id}.");
        return JsonBody.Node(new JsonObject { ["volumeAttachment"] = Render(attachment) });
    }

    private static async Task<IResult> AttachAsync(
        string id, HttpContext context, ServerStore servers, ServerVolumes volumes, InstanceActionStore actions, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:action");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("volumeAttachment");
        var volumeId = body.RequireString("volumeId");
        if (!Guid.TryParseExact(volumeId, "D", out _))
            throw ApiFault.BadRequest($"Invalid input for field/attribute volumeId. Value: {volumeId}. '{volumeId}' is not a 'uuid'");
        var device = body.OptionalString("device");
        if (!string.IsNullOrEmpty(device) && !System.Text.RegularExpressions.Regex.IsMatch(device, "^/dev/[a-z0-9]+$"))
            throw ApiFault.BadRequest($"The supplied device path ({device}) is invalid.");
        if (body.Has("tag") || body.Has("delete_on_termination"))
            throw ApiFault.BadRequest("Invalid input for field/attribute volumeAttachment: 'tag' needs microversion 2.49 and 'delete_on_termination' 2.79; this cloud serves up to " + Api.Microversions.Maximum + ".");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        ServerAccess.CheckNotLocked(server, caller);
        if (!AttachableStates.Contains(server.VmState) || server.TaskState is not null)
            throw ServerAccess.InvalidState(server, "attach_volume");

        var (attachment, notice) = await volumes.AttachAsync(server, volumeId, caller, cancellationToken);
        await actions.RecordAsync(new InstanceActionRecord
        {
            RequestId = context.TraceIdentifier, ServerId = server.Id, Action = "attach_volume", ProjectId = server.ProjectId, UserId = caller.UserId,
            Message = notice, StartTime = Timestamps.ToStorage(clock.GetUtcNow()),
        }, cancellationToken);
        return JsonBody.Node(new JsonObject { ["volumeAttachment"] = Render(attachment) });
    }

    private static async Task<IResult> DetachAsync(
        string id, string volumeId, HttpContext context, ServerStore servers, ServerVolumes volumes, VolumeDetachWorker detaches, InstanceActionStore actions,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:action");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        ServerAccess.CheckNotLocked(server, caller);
        if (!AttachableStates.Contains(server.VmState) || server.TaskState is not null)
            throw ServerAccess.InvalidState(server, "detach_volume");
        // As Nova: 202 once the volume is detaching; the unplug and the release follow in the background.
        if (await volumes.BeginDetachAsync(server, volumeId, cancellationToken) is { } detaching)
            await detaches.AcceptAsync(server, detaching, cancellationToken);
        await actions.RecordAsync(new InstanceActionRecord
        {
            RequestId = context.TraceIdentifier, ServerId = server.Id, Action = "detach_volume", ProjectId = server.ProjectId, UserId = caller.UserId,
            StartTime = Timestamps.ToStorage(clock.GetUtcNow()),
        }, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
