using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Text.Json.Nodes;

namespace CloudBox.Volumes.Snapshots;

/// <summary>
/// <c>POST /v3/{project_id}/snapshots/{id}/action</c>, the admin actions: <c>os-reset_status</c>
/// (<c>openstack volume snapshot set --state</c>) and <c>os-force_delete</c> (whatever the status).
/// A snapshot's status is also the worker's queue, so it is reset only to statuses that start no
/// work: available, error and error_deleting (creating would copy the volume again).
/// </summary>
public static class SnapshotActionEndpoints
{
    private static readonly string[] ResettableStatuses = [SnapshotStatus.Available, SnapshotStatus.Error, SnapshotStatus.ErrorDeleting];

    public static void Map(IEndpointRouteBuilder project) => project.MapPost("/snapshots/{id}/action", ActAsync);

    private static async Task<IResult> ActAsync(
        string projectId, string id, HttpContext context, SnapshotStore snapshots, VolumeWorkSignal signal, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get_snapshot");
        VolumesRequest.RequireProject(caller, projectId);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        if (body.Count != 1)
            throw ApiFault.BadRequest("The action body must name exactly one action.");
        var (action, argument) = body.First();
        var snapshot = await snapshots.FindAsync(id, cancellationToken);
        if (snapshot is null || !VolumesRequest.CanSee(caller, snapshot.ProjectId))
            throw ApiFault.NotFound($"Snapshot {id} could not be found.");
        var from = snapshot.Status;
        switch (action)
        {
            case "os-reset_status":
            {
                context.Authorize(policy, "volume:reset_snapshot_status");
                var status = (argument is JsonObject arguments ? VolumesRequest.OptionalString(arguments, "status") : null)
                    ?? throw ApiFault.BadRequest("os-reset_status needs 'status'.");
                if (!ResettableStatuses.Contains(status))
                    throw ApiFault.BadRequest($"Invalid status '{status}': a snapshot is reset to {string.Join(", ", ResettableStatuses)}.");
                snapshot.Status = status;
                break;
            }
            case "os-force_delete":
                context.Authorize(policy, "volume:force_delete_snapshot");
                if (from == SnapshotStatus.Deleting)
                    return Results.StatusCode(StatusCodes.Status202Accepted);
                snapshot.Status = SnapshotStatus.Deleting;
                break;
            default:
                throw ApiFault.BadRequest($"There is no such action: {action}");
        }
        snapshot.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (!await snapshots.UpdateAsync(snapshot, from, cancellationToken))
            throw ApiFault.Conflict($"Snapshot {id} changed status meanwhile; retry.");
        signal.Notify();
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
