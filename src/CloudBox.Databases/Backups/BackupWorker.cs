using System.Text.Json;
using CloudBox.Core.Ids;
using CloudBox.Core.Workers;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Cloud;
using CloudBox.Databases.Instances;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Databases.Backups;

/// <summary>Wakes the backup worker when a backup is created or its agent answers.</summary>
internal sealed class BackupSignal : WorkSignal;

/// <summary>
/// Follows every backup in progress through its agent task and records the outcome: COMPLETED with
/// size and checksum, or FAILED with its objects removed; either way the instance is ACTIVE again.
/// A task cut short by the agent's death is handed out again when the agent comes back (the agent
/// starts the backup over); an agent silent for longer than the heartbeat timeout fails the backup.
/// Everything it reads is in the database, so after a crash of <c>serve</c> it carries on.
/// </summary>
internal sealed partial class BackupWorker(BackupStore backups, BackupService service, TaskStore tasks, InstanceStore instances,
    BackupSignal signal, DatabasesSettings settings, TimeProvider clock, ILogger<BackupWorker> logger) : BackgroundService
{
    /// <summary>How long a backup may sit without its task before the worker queues it (the API queues it itself in the meantime).</summary>
    public static readonly TimeSpan UnqueuedGrace = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var backup in await backups.UnfinishedAsync(stoppingToken))
                {
                    try
                    {
                        await StepAsync(backup, stoppingToken);
                    }
                    catch (CloudCallException error)
                    {
                        LogCleanupFailed(logger, backup.Id, error.ServiceMessage);
                    }
                }
                await signal.WaitAsync(settings.WorkerInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogPassFailed(logger, error);
                await Task.Delay(settings.WorkerInterval, stoppingToken);
            }
        }
    }

    internal async Task StepAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var instance = await instances.FindAsync(backup.InstanceId, cancellationToken);
        if (backup.TaskId is null)
        {
            if (Timestamps.FromStorage(backup.UpdatedAt) + UnqueuedGrace > now)
                return;
            if (instance?.Status == InstanceStatus.Backup)
                await service.QueueAsync(backup, cancellationToken);
            else
                await FailAsync(backup, "The backup was interrupted before it started.", cancellationToken);
            return;
        }
        var task = await tasks.FindAsync(backup.TaskId, cancellationToken);
        switch (task?.State)
        {
            case null:
                await FailAsync(backup, instance is null ? "The instance was deleted during the backup." : "The backup's agent task is gone.", cancellationToken);
                return;
            case TaskStates.Pending:
                return;
            case TaskStates.Running:
                if (backup.Status == BackupStatus.New)
                    await MoveAsync(backup, BackupStatus.Building, cancellationToken);
                // The agent stopped reporting while it had the task: nobody will finish it.
                if (instance?.HeartbeatAt is { } heartbeat && Timestamps.FromStorage(heartbeat) + settings.HeartbeatTimeout < now
                    && Timestamps.FromStorage(task.UpdatedAt) + settings.HeartbeatTimeout < now)
                {
                    await tasks.CompleteAsync(backup.InstanceId, task.Id,
                        new AgentTaskResult(false, $"The database agent stopped reporting for more than {settings.HeartbeatTimeout.TotalSeconds:0} s during the backup."), cancellationToken);
                    signal.Notify();
                }
                return;
            case TaskStates.Done:
            {
                var result = task.Result is { } json ? JsonSerializer.Deserialize(json, TroveJson.Default.AgentTaskResult) : null;
                var status = backup.Status;
                backup.Status = BackupStatus.Completed;
                backup.Size = result?.Size;
                backup.Checksum = result?.Checksum;
                backup.Fault = null;
                backup.UpdatedAt = Timestamps.ToStorage(now);
                if (await backups.UpdateAsync(backup, status, cancellationToken))
                {
                    LogCompleted(logger, backup.Id, backup.Size ?? 0);
                    await ReleaseInstanceAsync(backup, cancellationToken);
                }
                return;
            }
            default:
            {
                var result = task.Result is { } json ? JsonSerializer.Deserialize(json, TroveJson.Default.AgentTaskResult) : null;
                await FailAsync(backup, result?.Error ?? "The agent could not take the backup.", cancellationToken);
                return;
            }
        }
    }

    private async Task MoveAsync(BackupRecord backup, string status, CancellationToken cancellationToken)
    {
        var from = backup.Status;
        backup.Status = status;
        backup.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        await backups.UpdateAsync(backup, from, cancellationToken);
    }

    /// <summary>Removes what the agent stored, then marks the backup FAILED and the instance ACTIVE again.</summary>
    private async Task FailAsync(BackupRecord backup, string reason, CancellationToken cancellationToken)
    {
        await service.DeleteObjectsAsync(backup, cancellationToken);
        var status = backup.Status;
        backup.Status = BackupStatus.Failed;
        backup.Fault = reason;
        backup.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (await backups.UpdateAsync(backup, status, cancellationToken))
        {
            LogFailed(logger, backup.Id, reason);
            await ReleaseInstanceAsync(backup, cancellationToken);
        }
    }

    private Task ReleaseInstanceAsync(BackupRecord backup, CancellationToken cancellationToken) =>
        instances.ChangeAsync(backup.InstanceId, current =>
        {
            if (current.Status != InstanceStatus.Backup)
                return false;
            current.Status = InstanceStatus.Active;
            current.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
            return true;
        }, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database backup {BackupId} COMPLETED ({Size} bytes stored)")]
    private static partial void LogCompleted(ILogger logger, string backupId, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database backup {BackupId} FAILED: {Reason}")]
    private static partial void LogFailed(ILogger logger, string backupId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The objects of database backup {BackupId} could not be removed yet: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string backupId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A pass of the database backup worker failed; it runs again")]
    private static partial void LogPassFailed(ILogger logger, Exception error);
}
