using System.Diagnostics;
using CloudBox.Core.Ids;
using CloudBox.Core.Images;
using CloudBox.Volumes.Data;
using CloudBox.Volumes.Snapshots;
using CloudBox.Volumes.Volumes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Volumes.Storage;

/// <summary>
/// Carries out what the API queued: volumes and snapshots in <c>creating</c>, <c>extending</c>
/// or <c>deleting</c>. The status row is the record of the work, so after a crash the worker
/// simply finds it again and redoes it; every step is safe to repeat (files are built under a
/// temporary name and renamed over, growing and deleting are idempotent).
/// </summary>
public sealed partial class VolumeWorker(
    VolumeStore volumes, SnapshotStore snapshots, Attachments.AttachmentStore attachments, Backups.BackupWork backupWork, VolumeFiles files, VolumesSettings settings, VolumeWorkSignal signal,
    IServiceProvider services, TimeProvider clock, ILogger<VolumeWorker> logger) : BackgroundService
{
    private static readonly string[] VolumeWork = [VolumeStatus.Creating, VolumeStatus.Extending, VolumeStatus.Reverting, VolumeStatus.Deleting];
    private static readonly string[] SnapshotWork = [SnapshotStatus.Creating, SnapshotStatus.Deleting];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        files.RemoveTemporaryFiles();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Snapshots first: a snapshot must be taken before its volume can change or go.
                foreach (var snapshot in await snapshots.ListByStatusAsync(SnapshotWork, stoppingToken))
                    await RunAsync(snapshot, stoppingToken);
                foreach (var volume in await volumes.ListByStatusAsync(VolumeWork, stoppingToken))
                    await RunAsync(volume, stoppingToken);
                await backupWork.RunPendingAsync(stoppingToken);
                await signal.WaitAsync(settings.WorkerPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogWorkerFailed(error);
                await Task.Delay(settings.WorkerPollInterval, stoppingToken);
            }
        }
    }

    private async Task RunAsync(VolumeRecord volume, CancellationToken cancellationToken)
    {
        var from = volume.Status;
        try
        {
            switch (from)
            {
                case VolumeStatus.Creating:
                    await CreateAsync(volume, cancellationToken);
                    volume.Status = VolumeStatus.Available;
                    break;
                case VolumeStatus.Extending:
                    files.Grow(files.VolumePath(volume.Id), volume.RequestedSizeGb);
                    volume.SizeGb = volume.RequestedSizeGb;
                    volume.Status = VolumeStatus.Available;
                    break;
                case VolumeStatus.Reverting:
                    await RevertAsync(volume, cancellationToken);
                    return;
                case VolumeStatus.Deleting:
                    VolumeFiles.Delete(files.VolumePath(volume.Id));
                    await volumes.DeleteAsync(volume.Id, cancellationToken);
                    LogDone("volume", volume.Id, "deleted");
                    return;
            }
            volume.Fault = null;
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            volume.Status = from switch
            {
                VolumeStatus.Extending => VolumeStatus.ErrorExtending,
                VolumeStatus.Deleting => VolumeStatus.ErrorDeleting,
                _ => VolumeStatus.Error,
            };
            volume.Fault = error.Message;
            LogFailed("volume", volume.Id, from, error.Message);
        }
        volume.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        // A boot volume is reserved for its server in the transaction that created it (nothing else can
        // reserve a volume still creating), so it comes out reserved, never available for a moment.
        if (from == VolumeStatus.Creating && volume.Status == VolumeStatus.Available && (await attachments.ListForVolumesAsync([volume.Id], cancellationToken)).Count > 0)
            volume.Status = VolumeStatus.Reserved;
        if (await volumes.UpdateAsync(volume, from, cancellationToken))
            LogDone("volume", volume.Id, volume.Status);
    }

    /// <summary>
    /// Copies the snapshot being restored over the volume, then lets both go in one transaction, so
    /// a crash before that finds both rows as they were and copies again. On failure the volume is in
    /// error and the snapshot available, as in Cinder.
    /// </summary>
    private async Task RevertAsync(VolumeRecord volume, CancellationToken cancellationToken)
    {
        var snapshot = (await snapshots.ListForVolumeAsync(volume.Id, cancellationToken)).FirstOrDefault(s => s.Status == SnapshotStatus.Restoring);
        string status = VolumeStatus.Available, fault = "";
        try
        {
            if (snapshot is null)
                throw new InvalidOperationException("The snapshot to revert to is gone.");
            files.CreateCopy(files.SnapshotPath(snapshot.Id), files.VolumePath(volume.Id), volume.SizeGb);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            (status, fault) = (VolumeStatus.Error, error.Message);
            LogFailed("volume", volume.Id, VolumeStatus.Reverting, error.Message);
        }
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        await snapshots.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("UPDATE volumes_volumes SET status = @status, fault = @fault, updated_at = @now WHERE id = @id AND status = @reverting",
                new { status, fault = status == VolumeStatus.Error ? fault : null, now, id = volume.Id, reverting = VolumeStatus.Reverting }, transaction);
            if (snapshot is not null)
                await connection.ExecuteAsync("UPDATE volumes_snapshots SET status = @available, updated_at = @now WHERE id = @id AND status = @restoring",
                    new { available = SnapshotStatus.Available, now, id = snapshot.Id, restoring = SnapshotStatus.Restoring }, transaction);
            return 0;
        }, cancellationToken);
        LogDone("volume", volume.Id, status);
    }

    private async Task CreateAsync(VolumeRecord volume, CancellationToken cancellationToken)
    {
        var destination = files.VolumePath(volume.Id);
        if (volume.SnapshotId is not null)
        {
            files.CreateCopy(files.SnapshotPath(volume.SnapshotId), destination, volume.RequestedSizeGb);
        }
        else if (volume.SourceVolid is not null)
        {
            files.CreateCopy(files.VolumePath(volume.SourceVolid), destination, volume.RequestedSizeGb);
        }
        else if (volume.ImageId is not null)
        {
            var images = services.GetRequiredService<IImageSource>();
            var format = VolumesJson.ReadMap(volume.ImageMetadata).GetValueOrDefault("disk_format", "raw");
            var source = images.DataPath(volume.ImageId);
            if (format is "raw" or "iso" or "aki" or "ari" or "ami")
            {
                files.CreateCopy(source, destination, volume.RequestedSizeGb);
            }
            else
            {
                var temporary = files.NewTemporaryPath();
                await ConvertToRawAsync(source, format, temporary, cancellationToken);
                files.Adopt(temporary, destination, volume.RequestedSizeGb);
            }
        }
        else
        {
            files.CreateEmpty(destination, volume.RequestedSizeGb);
        }
    }

    private async Task ConvertToRawAsync(string source, string format, string destination, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(settings.QemuImg) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "convert", "-f", format, "-O", "raw", "-S", "4k", source, destination })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img could not be started");
        var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"qemu-img could not convert the {format} image: {errors.Trim()}");
    }

    private async Task RunAsync(SnapshotRecord snapshot, CancellationToken cancellationToken)
    {
        var from = snapshot.Status;
        try
        {
            if (from == SnapshotStatus.Deleting)
            {
                VolumeFiles.Delete(files.SnapshotPath(snapshot.Id));
                await snapshots.DeleteAsync(snapshot.Id, cancellationToken);
                LogDone("snapshot", snapshot.Id, "deleted");
                return;
            }
            files.CreateCopy(files.VolumePath(snapshot.VolumeId), files.SnapshotPath(snapshot.Id), snapshot.SizeGb);
            snapshot.Status = SnapshotStatus.Available;
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            snapshot.Status = SnapshotStatus.Error;
            LogFailed("snapshot", snapshot.Id, from, error.Message);
        }
        snapshot.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (await snapshots.UpdateAsync(snapshot, from, cancellationToken))
            LogDone("snapshot", snapshot.Id, snapshot.Status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Kind} {Id} is now {Status}")]
    private partial void LogDone(string kind, string id, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Kind} {Id} failed while {Status}: {Reason}")]
    private partial void LogFailed(string kind, string id, string status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The volume worker failed; retrying")]
    private partial void LogWorkerFailed(Exception error);
}
