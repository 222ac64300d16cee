using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Cloud;
using CloudBox.Databases.Instances;

namespace CloudBox.Databases.Backups;

/// <summary>
/// Creates and deletes backups. A backup is a row and an agent task: the instance turns BACKUP, its
/// agent streams the datastore into the owner's object store, and <see cref="BackupWorker"/> records
/// the outcome (so a crash of <c>serve</c> or of the agent on the way resumes or fails it cleanly).
/// </summary>
internal sealed class BackupService(BackupStore backups, InstanceService instanceService, InstanceStore instances, AgentTasks agent,
    UserCloud cloud, DatabasesSettings settings, BackupSignal signal, TimeProvider clock)
{
    public const int MaxNameLength = 64;
    public const int MaxDescriptionLength = 512;

    public async Task<BackupRecord> CreateAsync(CallerContext caller, string projectId, BackupCreate? request, string locationBase, CancellationToken cancellationToken)
    {
        if (request is null)
            throw ApiFault.BadRequest("The request body must hold a 'backup' object.");
        if (request.RestoreFrom is { ValueKind: not JsonValueKind.Null })
            throw ApiFault.BadRequest("Importing a backup from another cloud (restore_from) is not supported by this cloud.");
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
            throw ApiFault.BadRequest($"A backup needs a name of 1 to {MaxNameLength} characters.");
        if (request.Description is { Length: > MaxDescriptionLength })
            throw ApiFault.BadRequest($"A backup's description may have at most {MaxDescriptionLength} characters.");
        if (request.ParentId is not null || IsIncremental(request.Incremental))
            throw ApiFault.BadRequest("Incremental backups are not supported for PostgreSQL here: PostgreSQL 15 has no incremental base backup, " +
                                      "and this cloud keeps no WAL archive to chain one onto. Create a full backup instead.");
        if (request.SwiftContainer is not null && request.SwiftContainer != BackupObjects.Container)
            throw ApiFault.BadRequest($"Backups are stored in the container '{BackupObjects.Container}' of your object store; another container cannot be chosen.");
        if (string.IsNullOrEmpty(request.Instance))
            throw ApiFault.BadRequest("A backup needs the instance to back up.");

        var instance = await instanceService.FindAsync(caller, projectId, request.Instance, cancellationToken);
        RequireBackupable(instance);
        if (await backups.RunningForInstanceAsync(instance.Id, cancellationToken))
            throw ApiFault.Conflict($"Instance {instance.Id} is already being backed up.");

        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var id = Identifiers.NewUuid();
        var backup = new BackupRecord
        {
            Id = id,
            ProjectId = instance.ProjectId,
            UserId = caller.UserId,
            InstanceId = instance.Id,
            VersionId = instance.VersionId,
            Name = name,
            Description = request.Description,
            Status = BackupStatus.New,
            LocationRef = $"{locationBase}/{BackupObjects.Container}/{BackupObjects.Manifest(id)}",
            CreatedAt = now,
            UpdatedAt = now,
        };
        // The row first: a crash after it and before the task is queued is found and finished by the worker.
        await backups.InsertAsync(backup, cancellationToken);
        try
        {
            await instances.ChangeAsync(instance.Id, current =>
            {
                RequireBackupable(current);
                current.Status = InstanceStatus.Backup;
                current.UpdatedAt = now;
                return true;
            }, cancellationToken);
        }
        catch (ApiFault)
        {
            await backups.DeleteAsync(backup.Id, cancellationToken);
            throw;
        }
        await QueueAsync(backup, cancellationToken);
        signal.Notify();
        return backup;
    }

    /// <summary>Queues the agent's backup task and records it on the backup.</summary>
    public async Task QueueAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        backup.TaskId = await agent.QueueAsync(backup.InstanceId, "backup", new TaskPayload(Backup: BackupObjects.Location(backup, settings.BackupSegmentBytes)), cancellationToken);
        backup.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        await backups.UpdateAsync(backup, BackupStatus.New, cancellationToken);
    }

    /// <summary>The backup if the caller may see it (its project's, or any for an admin); 404 otherwise.</summary>
    public async Task<BackupRecord> FindAsync(CallerContext caller, string projectId, string id, CancellationToken cancellationToken)
    {
        var backup = await backups.FindAsync(id, cancellationToken);
        if (backup is null || (backup.ProjectId != projectId && !caller.HasRole("admin")))
            throw ApiFault.NotFound($"Backup {id} cannot be found.");
        return backup;
    }

    /// <summary>Deletes the backup's objects from the owner's object store, then the backup. A backup still being taken cannot be deleted.</summary>
    public async Task DeleteAsync(CallerContext caller, string projectId, string id, CancellationToken cancellationToken)
    {
        var backup = await FindAsync(caller, projectId, id, cancellationToken);
        if (backup.Status is BackupStatus.New or BackupStatus.Building)
            throw ApiFault.Conflict($"Backup {id} is still being taken (status {backup.Status}); delete it when it has finished.");
        try
        {
            await DeleteObjectsAsync(backup, cancellationToken);
        }
        catch (CloudCallException error)
        {
            var status = backup.Status;
            backup.Status = BackupStatus.DeleteFailed;
            backup.Fault = error.ServiceMessage;
            backup.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
            await backups.UpdateAsync(backup, status, cancellationToken);
            throw new ApiFault(503, $"The objects of backup {id} could not be deleted from the object store: {error.ServiceMessage}");
        }
        await backups.DeleteAsync(backup.Id, cancellationToken);
    }

    /// <summary>Removes every object of the backup (its manifest, its segments and what an interrupted try left), as the owner.</summary>
    public async Task DeleteObjectsAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        using var session = await cloud.ForAsync(backup.UserId, backup.ProjectId, cancellationToken);
        var manifest = BackupObjects.Manifest(backup.Id);
        var names = await session.ObjectNamesAsync(BackupObjects.Container, backup.Id, cancellationToken);
        // Segments first, the manifest last: a delete cut short leaves a manifest to find the rest by.
        foreach (var name in names.Where(n => n != manifest))
            await session.DeleteObjectAsync(BackupObjects.Container, name, cancellationToken);
        if (names.Contains(manifest))
            await session.DeleteObjectAsync(BackupObjects.Container, manifest, cancellationToken);
    }

    private static bool IsIncremental(JsonElement? incremental) => incremental switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.Number } number => number.TryGetInt32(out var value) && value != 0,
        { ValueKind: JsonValueKind.String } text => text.GetString() is "1" or "true" or "True",
        _ => false,
    };

    private static void RequireBackupable(InstanceRecord instance)
    {
        if (instance.Status == InstanceStatus.Backup)
            throw ApiFault.Conflict($"Instance {instance.Id} is already being backed up.");
        if (instance.Status != InstanceStatus.Active)
            throw ApiFault.Conflict($"Instance {instance.Id} is not ACTIVE (status {instance.Status}): it cannot be backed up now.");
    }
}
