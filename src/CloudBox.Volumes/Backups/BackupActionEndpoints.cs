using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Attachments;
using CloudBox.Volumes.Snapshots;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Volumes;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Backups;

/// <summary>
/// <c>POST /v3/{project_id}/backups/{id}/action</c>, the admin actions: <c>os-reset_status</c> to
/// available or error (<c>openstack volume backup set --state</c>), as Cinder, without touching the
/// volume; and <c>os-force_delete</c> of a backup that is available, in error or still creating.
/// Force-deleting a backup being created lets go of the volume (or snapshot) it was reading at
/// once: the worker, finding the backup deleting, no longer does.
/// </summary>
public static class BackupActionEndpoints
{
    private static readonly string[] ResettableStatuses = [BackupStatus.Available, BackupStatus.Error];

    public static void Map(IEndpointRouteBuilder project) => project.MapPost("/backups/{id}/action", ActAsync);

    private static async Task<IResult> ActAsync(
        string projectId, string id, HttpContext context, BackupStore backups, VolumeWorkSignal signal, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "backup:get");
        VolumesRequest.RequireProject(caller, projectId);
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        if (body.Count != 1)
            throw ApiFault.BadRequest("The action body must name exactly one action.");
        var (action, argument) = body.First();
        var backup = await backups.FindAsync(id, cancellationToken);
        if (backup is null || !VolumesRequest.CanSee(caller, backup.ProjectId))
            throw ApiFault.NotFound($"Backup {id} could not be found.");
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        switch (action)
        {
            case "os-reset_status":
            {
                context.Authorize(policy, "backup:reset_status");
                var status = (argument is JsonObject arguments ? VolumesRequest.OptionalString(arguments, "status") : null)
                    ?? throw ApiFault.BadRequest("os-reset_status needs 'status'.");
                if (!ResettableStatuses.Contains(status))
                    throw ApiFault.BadRequest($"Invalid input received: Backup status must be available or error, not '{status}'.");
                var from = backup.Status;
                backup.Status = status;
                backup.RestoreVolumeId = null;
                backup.UpdatedAt = now;
                if (!await backups.UpdateAsync(backup, from, cancellationToken))
                    throw ApiFault.Conflict($"Backup {id} changed status meanwhile; retry.");
                return Results.StatusCode(StatusCodes.Status202Accepted);
            }
            case "os-force_delete":
                context.Authorize(policy, "backup:force_delete");
                await ForceDeleteAsync(backup, backups, now, cancellationToken);
                signal.Notify();
                return Results.StatusCode(StatusCodes.Status202Accepted);
            default:
                throw ApiFault.BadRequest($"There is no such action: {action}");
        }
    }

    private static async Task ForceDeleteAsync(BackupRecord backup, BackupStore backups, string now, CancellationToken cancellationToken)
    {
        if (backup.Status is not (BackupStatus.Available or BackupStatus.Error or BackupStatus.Creating))
            throw ApiFault.BadRequest($"Invalid backup: Backup status must be available, error or creating to be force-deleted (it is {backup.Status}).");
        var database = backups.Database;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            // The volume's lock before the backup's, in the order creating a backup takes them.
            await database.LockAsync(connection, transaction, "volumes:volume:" + backup.VolumeId);
            await database.LockAsync(connection, transaction, "volumes:backup:" + backup.Id);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM volumes_backups WHERE parent_id = @id", new { id = backup.Id }, transaction) > 0)
                throw ApiFault.BadRequest("Invalid backup: Incremental backups exist for this backup.");
            if (await connection.ExecuteAsync("UPDATE volumes_backups SET status = @deleting, updated_at = @now WHERE id = @id AND status = @from",
                    new { deleting = BackupStatus.Deleting, now, id = backup.Id, from = backup.Status }, transaction) != 1)
                throw ApiFault.Conflict($"Backup {backup.Id} changed while it was being deleted; retry.");
            if (backup.Status != BackupStatus.Creating)
                return;
            if (backup.SnapshotId is not null)
            {
                await connection.ExecuteAsync("UPDATE volumes_snapshots SET status = @available, updated_at = @now WHERE id = @id AND status = @backingUp",
                    new { available = SnapshotStatus.Available, now, id = backup.SnapshotId, backingUp = SnapshotStatus.BackingUp }, transaction);
                return;
            }
            await connection.ExecuteAsync("UPDATE volumes_volumes SET status = @available, updated_at = @now WHERE id = @id AND status = @backingUp",
                new { available = VolumeStatus.Available, now, id = backup.VolumeId, backingUp = VolumeStatus.BackingUp }, transaction);
            await AttachmentStore.SettleVolumeStatusAsync(connection, transaction, backup.VolumeId, now);
        }, cancellationToken);
    }
}
