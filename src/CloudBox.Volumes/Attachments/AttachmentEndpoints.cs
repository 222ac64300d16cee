using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Paging;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Attachments;

/// <summary>
/// <c>/v3/{project_id}/attachments</c> (microversion 3.27, <c>os-complete</c> 3.44): create (reserve,
/// or attaching when a connector is given), update with a connector, complete, delete, list, show.
/// </summary>
public static class AttachmentEndpoints
{
    public const string Introduced = "3.27";

    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapPost("/attachments", CreateAsync);
        project.MapGet("/attachments", (string projectId, HttpContext context, VolumeStore volumes, AttachmentStore attachments, VolumeFiles files, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, false, context, volumes, attachments, files, policy, cancellationToken));
        project.MapGet("/attachments/detail", (string projectId, HttpContext context, VolumeStore volumes, AttachmentStore attachments, VolumeFiles files, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, true, context, volumes, attachments, files, policy, cancellationToken));
        project.MapGet("/attachments/{id}", ShowAsync);
        project.MapPut("/attachments/{id}", UpdateAsync);
        project.MapDelete("/attachments/{id}", DeleteAsync);
        project.MapPost("/attachments/{id}/action", ActAsync);
    }

    private static async Task<IResult> CreateAsync(
        string projectId, HttpContext context, VolumeAttachmentService service, AttachmentStore attachments, VolumeFiles files, PolicyEngine policy, CancellationToken cancellationToken)
    {
        VolumeApiVersion.Require(context, Introduced);
        var caller = context.Authorize(policy, "volume:attachment_create");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "attachment");
        var volumeId = VolumesRequest.OptionalString(body, "volume_uuid") ?? throw ApiFault.BadRequest("Missing required element 'volume_uuid' in request body.");
        var serverId = VolumesRequest.OptionalString(body, "instance_uuid");
        if (body.ContainsKey("mode"))
            throw ApiFault.BadRequest("Invalid input: 'mode' needs microversion 3.54, and this cloud serves up to " + VolumeApiVersion.Maximum + ".");
        var connector = Connector(body);
        var created = await service.CreateAsync(volumeId, serverId, null, connector is null ? AttachmentStatus.Reserved : AttachmentStatus.Attaching,
            AttachmentStatus.OwnerApi, false, null, connector, caller, cancellationToken);
        var attachment = (await attachments.FindAsync(created.Id, cancellationToken))!;
        return JsonBody.Node(new JsonObject { ["attachment"] = AttachmentJson.Detail(attachment, files.VolumePath(volumeId)) });
    }

    private static async Task<IResult> ListAsync(
        string projectId, bool detail, HttpContext context, VolumeStore volumes, AttachmentStore attachments, VolumeFiles files, PolicyEngine policy, CancellationToken cancellationToken)
    {
        VolumeApiVersion.Require(context, Introduced);
        var caller = context.Authorize(policy, "volume:get_all");
        VolumesRequest.RequireProject(caller, projectId);
        var allProjects = VolumesRequest.IsAdmin(caller) && context.Request.QueryBool("all_tenants") == true;
        var visible = (await volumes.ListAsync(allProjects ? null : projectId, cancellationToken)).Select(v => v.Id).ToList();
        var found = await attachments.ListForVolumesAsync(visible, cancellationToken);
        var volumeFilter = context.Request.Query("volume_id");
        var serverFilter = context.Request.Query("instance_id");
        var statusFilter = context.Request.Query("status");
        var filtered = found
            .Where(a => (volumeFilter is null || a.VolumeId == volumeFilter) && (serverFilter is null || a.ServerId == serverFilter) && (statusFilter is null || a.Status == statusFilter))
            .ToList();
        var list = new JsonArray();
        foreach (var attachment in PageRequest.FromQuery(context.Request).Apply(filtered, a => a.Id))
            list.Add(detail ? AttachmentJson.Detail(attachment, files.VolumePath(attachment.VolumeId)) : AttachmentJson.Summary(attachment));
        return JsonBody.Node(new JsonObject { ["attachments"] = list });
    }

    private static async Task<IResult> ShowAsync(
        string projectId, string id, HttpContext context, VolumeStore volumes, AttachmentStore attachments, VolumeFiles files, PolicyEngine policy, CancellationToken cancellationToken)
    {
        VolumeApiVersion.Require(context, Introduced);
        var caller = context.Authorize(policy, "volume:get");
        VolumesRequest.RequireProject(caller, projectId);
        var attachment = await FindVisibleAsync(id, caller, volumes, attachments, cancellationToken);
        return JsonBody.Node(new JsonObject { ["attachment"] = AttachmentJson.Detail(attachment, files.VolumePath(attachment.VolumeId)) });
    }

    /// <summary>The host sends its connector: the attachment moves to attaching and the answer tells how to reach the volume.</summary>
    private static async Task<IResult> UpdateAsync(
        string projectId, string id, HttpContext context, VolumeStore volumes, AttachmentStore attachments, VolumeFiles files, PolicyEngine policy, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        VolumeApiVersion.Require(context, Introduced);
        var caller = context.Authorize(policy, "volume:attachment_update");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "attachment");
        var connector = Connector(body) ?? throw ApiFault.BadRequest("Missing required element 'connector' in request body.");
        var attachment = await FindVisibleAsync(id, caller, volumes, attachments, cancellationToken);
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var updated = await attachments.ChangeAsync(attachment.VolumeId, now, async (connection, transaction, _) =>
        {
            var current = (await AttachmentStore.ListForVolumeAsync(connection, transaction, attachment.VolumeId)).FirstOrDefault(a => a.Id == id)
                ?? throw ApiFault.NotFound($"Volume attachment {id} could not be found.");
            if (current.Status is not (AttachmentStatus.Reserved or AttachmentStatus.Attaching or AttachmentStatus.Attached))
                throw ApiFault.BadRequest($"Invalid volume attachment: attachment {id} is {current.Status}.");
            current.Connector = connector;
            current.Host = ConnectorHost(body);
            if (current.Status == AttachmentStatus.Reserved)
                current.Status = AttachmentStatus.Attaching;
            current.UpdatedAt = now;
            await AttachmentStore.UpdateAsync(connection, transaction, current);
            return current;
        }, cancellationToken);
        return JsonBody.Node(new JsonObject { ["attachment"] = AttachmentJson.Detail(updated, files.VolumePath(updated.VolumeId)) });
    }

    private static async Task<IResult> ActAsync(
        string projectId, string id, HttpContext context, VolumeStore volumes, AttachmentStore attachments, VolumeAttachmentService service, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        VolumeApiVersion.Require(context, "3.44");
        var caller = context.Authorize(policy, "volume:attachment_complete");
        VolumesRequest.RequireProject(caller, projectId);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        if (body.Count != 1 || !body.ContainsKey("os-complete"))
            throw ApiFault.BadRequest("The only attachment action is os-complete.");
        var attachment = await FindVisibleAsync(id, caller, volumes, attachments, cancellationToken);
        if (attachment.Status == AttachmentStatus.Reserved)
            throw ApiFault.BadRequest($"Invalid volume attachment: attachment {id} has no connector yet; update it with one first.");
        await service.CompleteAsync(id, attachment.Device ?? "", attachment.Host ?? "", cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> DeleteAsync(
        string projectId, string id, HttpContext context, VolumeStore volumes, AttachmentStore attachments, VolumeAttachmentService service, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        VolumeApiVersion.Require(context, Introduced);
        var caller = context.Authorize(policy, "volume:attachment_delete");
        VolumesRequest.RequireProject(caller, projectId);
        var attachment = await FindVisibleAsync(id, caller, volumes, attachments, cancellationToken);
        if (attachment.Owner == AttachmentStatus.OwnerCompute && !VolumesRequest.IsAdmin(caller))
            throw ApiFault.BadRequest($"Invalid volume attachment: attachment {id} belongs to server {attachment.ServerId}; detach the volume through the Compute API.");
        await service.DetachAsync(id, cancellationToken);
        var remaining = new JsonArray();
        foreach (var other in await attachments.ListForVolumesAsync([attachment.VolumeId], cancellationToken))
            remaining.Add(AttachmentJson.Summary(other));
        return JsonBody.Node(new JsonObject { ["attachments"] = remaining });
    }

    private static async Task<AttachmentRecord> FindVisibleAsync(string id, CallerContext caller, VolumeStore volumes, AttachmentStore attachments, CancellationToken cancellationToken)
    {
        var attachment = await attachments.FindAsync(id, cancellationToken);
        var volume = attachment is null ? null : await volumes.FindAsync(attachment.VolumeId, cancellationToken);
        if (attachment is null || volume is null || !VolumesRequest.CanSee(caller, volume.ProjectId))
            throw ApiFault.NotFound($"Volume attachment {id} could not be found.");
        return attachment;
    }

    private static string? Connector(JsonObject body) => body["connector"] switch
    {
        null => null,
        JsonObject connector => connector.ToJsonString(),
        _ => throw ApiFault.BadRequest("Invalid input for field 'connector': must be an object."),
    };

    private static string? ConnectorHost(JsonObject body) => body["connector"] is JsonObject connector && connector["host"] is JsonValue host && host.TryGetValue<string>(out var name) ? name : null;
}
