using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using CloudBox.Core.Modules;
using Dapper;
using Microsoft.Extensions.Logging;

namespace CloudBox.Volumes.Attachments;

/// <summary>
/// At start, before requests are served, finishes what a crash cut short so no volume stays
/// attaching or detaching forever: an attach Compute had begun in this process but not completed
/// is rolled back (the disk was never handed to a VM), a detach that had begun goes back to
/// attached (the VM may still hold the disk; the user detaches again). Then every volume's status
/// is derived again from its attachment rows.
/// </summary>
public sealed partial class AttachmentSettler(Database database, TimeProvider clock, ILogger<AttachmentSettler> logger) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var settled = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var rolledBack = await connection.ExecuteAsync(
                "DELETE FROM volumes_attachments WHERE status = @attaching AND owner = @compute",
                new { attaching = AttachmentStatus.Attaching, compute = AttachmentStatus.OwnerCompute }, transaction);
            var restored = await connection.ExecuteAsync(
                "UPDATE volumes_attachments SET status = @attached, updated_at = @now WHERE status = @detaching",
                new { attached = AttachmentStatus.Attached, now, detaching = AttachmentStatus.Detaching }, transaction);
            var volumeIds = await connection.QueryAsync<string>(
                "SELECT id FROM volumes_volumes WHERE status IN ('available', 'reserved', 'attaching', 'in-use', 'detaching')", transaction: transaction);
            foreach (var volumeId in volumeIds)
                await AttachmentStore.SettleVolumeStatusAsync(connection, transaction, volumeId, now);
            return (rolledBack, restored);
        }, cancellationToken);
        if (settled.rolledBack + settled.restored > 0)
            LogSettled(settled.rolledBack, settled.restored);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settled attachments a crash interrupted: {RolledBack} unfinished attaches rolled back, {Restored} unfinished detaches restored to attached")]
    private partial void LogSettled(int rolledBack, int restored);
}
