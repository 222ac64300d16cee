using CloudBox.Core.Api;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Attachments;
using CloudBox.Volumes.Storage;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Volumes;

/// <summary>
/// <c>os-force_delete</c> (admin): deletes a volume whatever its status, as Cinder does, but never
/// one that is attached or has snapshots. The worker deletes it as any other; work the volume was in
/// (creating, a backup reading it) is carried out one step at a time by the same worker, which then
/// finds the volume gone.
/// </summary>
public static class VolumeForceDelete
{
    public const string Action = "os-force_delete";

    public static async Task<IResult> RunAsync(VolumeRecord volume, HttpContext context, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        if (volume.Status == VolumeStatus.Deleting)
            return Results.StatusCode(StatusCodes.Status202Accepted);
        var now = Timestamps.ToStorage(services.GetRequiredService<TimeProvider>().GetUtcNow());
        var attachments = services.GetRequiredService<AttachmentStore>();
        var database = attachments.Database;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "volumes:volume:" + volume.Id);
            if ((await AttachmentStore.ListForVolumeAsync(connection, transaction, volume.Id)).Count > 0)
                throw ApiFault.BadRequest($"Invalid volume: Volume {volume.Id} must not be attached to be deleted, even by force; detach it first.");
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM volumes_snapshots WHERE volume_id = @id", new { id = volume.Id }, transaction) > 0)
                throw ApiFault.BadRequest($"Invalid volume: Volume {volume.Id} still has dependent snapshots; delete them first.");
            if (await connection.ExecuteAsync("UPDATE volumes_volumes SET status = @deleting, updated_at = @now WHERE id = @id AND status = @status",
                    new { deleting = VolumeStatus.Deleting, now, id = volume.Id, status = volume.Status }, transaction) != 1)
                throw ApiFault.Conflict($"Volume {volume.Id} changed status while it was being force-deleted; retry.");
        }, cancellationToken);
        services.GetRequiredService<VolumeWorkSignal>().Notify();
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
