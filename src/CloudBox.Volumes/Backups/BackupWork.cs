using CloudBox.Core.Ids;
using CloudBox.Volumes.Attachments;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Volumes;
using Dapper;
using Microsoft.Extensions.Logging;

namespace CloudBox.Volumes.Backups;

/// <summary>
/// The backup part of the volume worker: backups in <c>creating</c>, <c>restoring</c> or
/// <c>deleting</c> are carried out from their rows (by <see cref="BackupDriver"/>), so a crash only
/// means the step is done again: objects are written again under the same names, restores go to a
/// temporary file renamed over the volume, deleting is idempotent. A volume is
/// <c>backing-up</c> or <c>restoring-backup</c> only while its backup's row says so (a snapshot
/// being backed up is <c>backing-up</c> in the same way).
/// </summary>
public sealed partial class BackupWork(
    BackupStore backups, VolumeStore volumes, Snapshots.SnapshotStore snapshots, AttachmentStore attachments, VolumeFiles files, BackupDriver driver, TimeProvider clock, ILogger<BackupWork> logger)
{
    private static readonly string[] Pending = [BackupStatus.Creating, BackupStatus.Restoring, BackupStatus.Deleting];

    public async Task RunPendingAsync(CancellationToken cancellationToken)
    {
        foreach (var backup in await backups.ListByStatusAsync(Pending, cancellationToken))
            await RunAsync(backup, cancellationToken);
    }

    private string Now() => Timestamps.ToStorage(clock.GetUtcNow());

    private async Task RunAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        var from = backup.Status;
        string? volumeToRelease = null;
        string releaseFrom = "", releaseTo = VolumeStatus.Available;
        try
        {
            switch (from)
            {
                case BackupStatus.Deleting:
                    await driver.DeleteAsync(backup, cancellationToken);
                    await backups.DeleteAsync(backup.Id, cancellationToken);
                    LogDone(backup.Id, "deleted");
                    return;
                case BackupStatus.Creating:
                    if (backup.SnapshotId is null)
                        (volumeToRelease, releaseFrom) = (backup.VolumeId, VolumeStatus.BackingUp);
                    if (backup.Backend == BackupDriver.RawBackend)
                    {
                        files.CreateCopy(files.VolumePath(backup.VolumeId), files.BackupPath(backup.Id), backup.SizeGb);
                    }
                    else
                    {
                        var parent = backup.ParentId is null ? null : await backups.FindAsync(backup.ParentId, cancellationToken)
                            ?? throw new InvalidOperationException($"The parent backup {backup.ParentId} is gone.");
                        backup.ObjectCount = await driver.BackUpAsync(backup, parent, cancellationToken);
                    }
                    backup.Status = BackupStatus.Available;
                    break;
                case BackupStatus.Restoring:
                    (volumeToRelease, releaseFrom) = (backup.RestoreVolumeId!, VolumeStatus.RestoringBackup);
                    var target = await volumes.FindAsync(backup.RestoreVolumeId!, cancellationToken)
                        ?? throw new InvalidOperationException($"The volume {backup.RestoreVolumeId} to restore into is gone.");
                    var size = Math.Max(target.RequestedSizeGb, backup.SizeGb);
                    if (backup.Backend == BackupDriver.RawBackend)
                    {
                        files.CreateCopy(files.BackupPath(backup.Id), files.VolumePath(target.Id), size);
                    }
                    else
                    {
                        var temporary = files.NewTemporaryPath();
                        try
                        {
                            await driver.RestoreAsync(backup, temporary, cancellationToken);
                            files.Adopt(temporary, files.VolumePath(target.Id), size);
                        }
                        finally
                        {
                            File.Delete(temporary);
                        }
                    }
                    backup.Status = BackupStatus.Available;
                    backup.RestoreVolumeId = null;
                    break;
            }
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(backup.Id, from, error.Message);
            backup.FailReason = error.Message;
            // A failed backup or delete is an error (deleting it again retries); a failed restore leaves
            // the backup usable and the volume in error.
            backup.Status = from is BackupStatus.Creating or BackupStatus.Deleting ? BackupStatus.Error : BackupStatus.Available;
            backup.RestoreVolumeId = null;
            if (from == BackupStatus.Restoring)
                releaseTo = VolumeStatus.Error;
        }
        backup.UpdatedAt = Now();
        if (!await backups.UpdateAsync(backup, from, cancellationToken))
            return;
        if (volumeToRelease is not null)
            await ReleaseVolumeAsync(volumeToRelease, releaseFrom, releaseTo, cancellationToken);
        if (from == BackupStatus.Creating && backup.SnapshotId is not null)
            await ReleaseSnapshotAsync(backup.SnapshotId, cancellationToken);
        LogDone(backup.Id, backup.Status);
    }

    /// <summary>The volume leaves backing-up or restoring-backup; its attachments then decide between available and in-use.</summary>
    private async Task ReleaseVolumeAsync(string volumeId, string from, string to, CancellationToken cancellationToken)
    {
        var now = Now();
        try
        {
            await attachments.ChangeAsync(volumeId, now, (connection, transaction, _) =>
                connection.ExecuteAsync("UPDATE volumes_volumes SET status = @to, updated_at = @now WHERE id = @volumeId AND status = @from",
                    new { to, now, volumeId, from }, transaction), cancellationToken);
        }
        catch (Core.Api.ApiFault fault) when (fault.StatusCode == 404)
        {
            // The volume was deleted meanwhile: nothing to release.
        }
    }

    /// <summary>The snapshot a backup read is available again (whether the backup worked or not).</summary>
    private async Task ReleaseSnapshotAsync(string snapshotId, CancellationToken cancellationToken)
    {
        var snapshot = await snapshots.FindAsync(snapshotId, cancellationToken);
        if (snapshot is null || snapshot.Status != Snapshots.SnapshotStatus.BackingUp)
            return;
        snapshot.Status = Snapshots.SnapshotStatus.Available;
        snapshot.UpdatedAt = Now();
        await snapshots.UpdateAsync(snapshot, Snapshots.SnapshotStatus.BackingUp, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The backup {Id} is now {Status}")]
    private partial void LogDone(string id, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The backup {Id} failed while {Status}: {Reason}")]
    private partial void LogFailed(string id, string status, string reason);
}
