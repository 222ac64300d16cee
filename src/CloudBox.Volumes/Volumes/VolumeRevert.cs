using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Snapshots;
using CloudBox.Volumes.Storage;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Volumes;

/// <summary>
/// <c>revert</c> (3.40, <c>cinder revert-to-snapshot</c>): the volume's data becomes its latest
/// snapshot's again. As in Cinder, only the latest snapshot, of an available volume whose size is
/// still the snapshot's. The volume is <c>reverting</c> and the snapshot <c>restoring</c> until the
/// worker has copied the snapshot over the volume (a new file renamed over the old, so a crash
/// leaves the old data or the new, and the worker does it again).
/// </summary>
public static class VolumeRevert
{
    public const string Action = "revert";

    public static async Task<IResult> RunAsync(JsonObject argument, VolumeRecord volume, HttpContext context, CancellationToken cancellationToken)
    {
        VolumeApiVersion.Require(context, "3.40");
        var services = context.RequestServices;
        var snapshotId = VolumesRequest.OptionalString(argument, "snapshot_id") ?? throw ApiFault.BadRequest("revert needs 'snapshot_id'.");
        var snapshots = services.GetRequiredService<SnapshotStore>();
        var latest = (await snapshots.ListForVolumeAsync(volume.Id, cancellationToken))
            .OrderByDescending(s => s.CreatedAt, StringComparer.Ordinal).ThenByDescending(s => s.Id, StringComparer.Ordinal).FirstOrDefault()
            ?? throw ApiFault.NotFound($"Volume {volume.Id} has no snapshot to revert to.");
        if (latest.Id != snapshotId)
            throw ApiFault.BadRequest($"Specified snapshot {snapshotId} is None or not the latest one of volume {volume.Id}.");
        if (volume.SizeGb != latest.SizeGb)
            throw ApiFault.BadRequest($"Can't revert volume {volume.Id} to its latest snapshot {latest.Id}. The volume size must be equal to the snapshot size.");
        if (volume.Status != VolumeStatus.Available)
            throw ApiFault.BadRequest($"Invalid volume: Volume {volume.Id} status must be available to be reverted (it is {volume.Status}).");
        if (latest.Status != SnapshotStatus.Available)
            throw ApiFault.BadRequest($"Invalid snapshot: Snapshot {latest.Id} status must be available to revert to it (it is {latest.Status}).");

        var now = Timestamps.ToStorage(services.GetRequiredService<TimeProvider>().GetUtcNow());
        var database = snapshots.Database;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "volumes:volume:" + volume.Id);
            if (await connection.ExecuteAsync("UPDATE volumes_volumes SET status = @reverting, updated_at = @now WHERE id = @id AND status = @available",
                    new { reverting = VolumeStatus.Reverting, now, id = volume.Id, available = VolumeStatus.Available }, transaction) != 1)
                throw ApiFault.Conflict($"Volume {volume.Id} changed status while the revert was being started; retry.");
            if (await connection.ExecuteAsync("UPDATE volumes_snapshots SET status = @restoring, updated_at = @now WHERE id = @id AND status = @available",
                    new { restoring = SnapshotStatus.Restoring, now, id = latest.Id, available = SnapshotStatus.Available }, transaction) != 1)
                throw ApiFault.Conflict($"Snapshot {latest.Id} changed status while the revert was being started; retry.");
        }, cancellationToken);
        services.GetRequiredService<VolumeWorkSignal>().Notify();
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
