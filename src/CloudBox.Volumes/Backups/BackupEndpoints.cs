using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Paging;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Quotas;
using CloudBox.Volumes.Snapshots;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Types;
using CloudBox.Volumes.Volumes;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Backups;

/// <summary>
/// <c>/v3/{project_id}/backups</c>: full and incremental backups of volumes, as chunked objects in
/// the owner's object-store account (files under the data directory without one), within the
/// <c>backups</c> and <c>backup_gigabytes</c> quotas; list, show, delete (not while incremental
/// backups build on it) and restores into a new or an existing available volume. A backup of a
/// snapshot (<c>snapshot_id</c>) holds the snapshot's data, not the live volume's.
/// </summary>
public static class BackupEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/backups", (string projectId, HttpContext context, BackupStore backups, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, false, context, backups, policy, cancellationToken));
        project.MapGet("/backups/detail", (string projectId, HttpContext context, BackupStore backups, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, true, context, backups, policy, cancellationToken));
        project.MapPost("/backups", CreateAsync);
        project.MapGet("/backups/{id}", ShowAsync);
        project.MapDelete("/backups/{id}", DeleteAsync);
        project.MapPost("/backups/{id}/restore", RestoreAsync);
    }

    public static JsonObject Detail(BackupRecord backup, HttpContext context, bool isAdmin, bool hasDependents)
    {
        var json = new JsonObject
        {
            ["id"] = backup.Id,
            ["name"] = backup.Name,
            ["description"] = backup.Description,
            ["status"] = backup.Status,
            ["availability_zone"] = VolumeJson.AvailabilityZone,
            ["volume_id"] = backup.VolumeId,
            ["size"] = backup.SizeGb,
            ["object_count"] = backup.ObjectCount,
            ["container"] = backup.Container,
            ["created_at"] = VolumeJson.Cinder(backup.CreatedAt),
            ["updated_at"] = VolumeJson.Cinder(backup.UpdatedAt),
            ["data_timestamp"] = VolumeJson.Cinder(backup.DataTime),
            ["fail_reason"] = backup.FailReason,
            ["has_dependent_backups"] = hasDependents,
            ["is_incremental"] = backup.IsIncremental,
            ["snapshot_id"] = backup.SnapshotId,
            ["links"] = VolumeJson.Links(context.Request, backup.ProjectId, "backups", backup.Id),
        };
        if (isAdmin && VolumeApiVersion.AtLeast(context, "3.18"))
            json["os-backup-project-attr:project_id"] = backup.ProjectId;
        if (VolumeApiVersion.AtLeast(context, "3.43"))
            json["metadata"] = new JsonObject();
        return json;
    }

    private static JsonObject Summary(BackupRecord backup, HttpContext context) => new()
    {
        ["id"] = backup.Id,
        ["name"] = backup.Name,
        ["links"] = VolumeJson.Links(context.Request, backup.ProjectId, "backups", backup.Id),
    };

    private static async Task<BackupRecord> FindVisibleAsync(string id, CallerContext caller, BackupStore backups, CancellationToken cancellationToken)
    {
        var backup = await backups.FindAsync(id, cancellationToken);
        if (backup is null || !VolumesRequest.CanSee(caller, backup.ProjectId))
            throw ApiFault.NotFound($"Backup {id} could not be found.");
        return backup;
    }

    private static readonly HashSet<string> SortKeys = ["id", "name", "display_name", "status", "size", "volume_id", "project_id", "created_at", "updated_at"];

    private static object? SortValue(BackupRecord backup, string key) => key switch
    {
        "id" => backup.Id,
        "name" or "display_name" => backup.Name,
        "status" => backup.Status,
        "size" => backup.SizeGb,
        "volume_id" => backup.VolumeId,
        "project_id" => backup.ProjectId,
        "created_at" => backup.CreatedAt,
        _ => backup.UpdatedAt,
    };

    private static async Task<IResult> ListAsync(string projectId, bool detail, HttpContext context, BackupStore backups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "backup:get_all");
        VolumesRequest.RequireProject(caller, projectId);
        var allProjects = VolumesRequest.IsAdmin(caller) && context.Request.QueryBool("all_tenants") == true;
        var volumeId = context.Request.Query("volume_id");
        var status = context.Request.Query("status");
        var name = context.Request.Query("name");
        var sort = SortQuery.Parse(context.Request, SortKeys, message => ApiFault.BadRequest($"Invalid input received: {message}"), allowSortParameter: true);
        var found = ListLinks.Sort((await backups.ListAsync(allProjects ? null : projectId, cancellationToken))
            .Where(b => (volumeId is null || b.VolumeId == volumeId) && (status is null || b.Status == status) && (name is null || b.Name == name)).ToList(),
            sort, SortValue, b => b.Id);
        var parents = detail ? await backups.ParentIdsAsync(cancellationToken) : [];
        var page = PageRequest.FromQuery(context.Request).Apply(found, b => b.Id);
        var list = new JsonArray();
        foreach (var backup in page)
            list.Add(detail ? Detail(backup, context, VolumesRequest.IsAdmin(caller), parents.Contains(backup.Id)) : Summary(backup, context));
        var answer = ListLinks.WithNext(new JsonObject { ["backups"] = list }, "backups", context.Request, found, page, b => b.Id);
        return JsonBody.Node(ListCount.With(answer, context, found.Count));
    }

    private static async Task<IResult> ShowAsync(string projectId, string id, HttpContext context, BackupStore backups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "backup:get");
        VolumesRequest.RequireProject(caller, projectId);
        var backup = await FindVisibleAsync(id, caller, backups, cancellationToken);
        var hasDependents = (await backups.ParentIdsAsync(cancellationToken)).Contains(backup.Id);
        return JsonBody.Node(new JsonObject { ["backup"] = Detail(backup, context, VolumesRequest.IsAdmin(caller), hasDependents) });
    }

    /// <summary>
    /// Marks the volume backing-up and queues the backup, in one transaction after the quota check;
    /// an in-use volume needs <c>force</c>; <c>incremental</c> builds on the volume's latest backup. A backup of a
    /// snapshot marks the snapshot backing-up instead and leaves the volume alone.
    /// </summary>
    private static async Task<IResult> CreateAsync(
        string projectId, HttpContext context, BackupStore backups, VolumeStore volumes, SnapshotStore snapshots, BackupDriver driver, Admission admission, VolumeWorkSignal signal,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "backup:create");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "backup");
        var volumeId = VolumesRequest.OptionalString(body, "volume_id") ?? throw ApiFault.BadRequest("Missing required element 'volume_id' in request body.");
        var incremental = VolumesRequest.OptionalBool(body, "incremental") ?? false;
        var snapshotId = VolumesRequest.OptionalString(body, "snapshot_id");
        var container = VolumesRequest.OptionalString(body, "container") ?? BackupDriver.DefaultContainer;
        if (!ValidContainer(container))
            throw ApiFault.BadRequest($"Invalid input received: container name '{container}' may hold only letters, digits, '.', '_' and '-'.");
        var force = VolumesRequest.OptionalBool(body, "force") ?? false;
        var volume = await VolumeEndpoints.FindVisibleAsync(volumeId, caller, volumes, cancellationToken);
        SnapshotRecord? snapshot = null;
        if (snapshotId is not null)
        {
            // A snapshot's data does not change, so the volume may be in any state and attached without force.
            snapshot = await snapshots.FindAsync(snapshotId, cancellationToken);
            if (snapshot is null || !VolumesRequest.CanSee(caller, snapshot.ProjectId))
                throw ApiFault.NotFound($"Snapshot {snapshotId} could not be found.");
            if (snapshot.VolumeId != volume.Id)
                throw ApiFault.BadRequest($"Invalid volume: Volume {volume.Id} does not match with snapshot.volume_id {snapshot.VolumeId}.");
            if (snapshot.Status != SnapshotStatus.Available)
                throw ApiFault.BadRequest($"Invalid snapshot: Snapshot to be backed up must be available, but the current status is \"{snapshot.Status}\".");
        }
        else if (volume.Status is not (VolumeStatus.Available or VolumeStatus.InUse))
            throw ApiFault.BadRequest($"Invalid volume: Volume to be backed up must be available or in-use, but the current status is \"{volume.Status}\".");
        else if (volume.Status == VolumeStatus.InUse && !force)
            throw ApiFault.BadRequest($"Invalid volume: Volume {volumeId} is in-use; backing up an attached volume needs force.");
        var parent = incremental ? await IncrementalParentAsync(volume, snapshot, backups, cancellationToken) : null;
        var at = clock.GetUtcNow();
        var now = Timestamps.ToStorage(at);
        var id = Identifiers.NewUuid();
        var backup = new BackupRecord
        {
            Id = id, ProjectId = volume.ProjectId, UserId = caller.UserId, VolumeId = volume.Id,
            Name = VolumesRequest.OptionalString(body, "name"), Description = VolumesRequest.OptionalString(body, "description"),
            Status = BackupStatus.Creating, SizeGb = snapshot?.SizeGb ?? volume.SizeGb, CreatedAt = now, UpdatedAt = now,
            SnapshotId = snapshot?.Id, DataTimestamp = snapshot?.CreatedAt,
            // An incremental backup stays in its parent's store, where the chunks it shares with it are.
            Backend = parent?.Backend ?? driver.DefaultBackend, Container = container, ObjectPrefix = BackupDriver.Prefix(volume.Id, id, at), ParentId = parent?.Id,
        };
        var database = backups.Database;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await admission.CheckBackupAsync(connection, transaction, volume.ProjectId, backup.SizeGb);
            await database.LockAsync(connection, transaction, "volumes:volume:" + volume.Id);
            if (parent is not null)
            {
                // The parent must still be there: deleting it takes this lock and looks for dependents.
                await database.LockAsync(connection, transaction, "volumes:backup:" + parent.Id);
                if (await connection.ExecuteScalarAsync<string?>("SELECT status FROM volumes_backups WHERE id = @id", new { id = parent.Id }, transaction) != BackupStatus.Available)
                    throw ApiFault.Conflict($"Backup {parent.Id}, the base of this incremental backup, changed status; retry.");
            }
            // What is read is held still: the snapshot (backing-up) or else the volume (backing-up).
            var moved = snapshot is not null
                ? await connection.ExecuteAsync(
                    "UPDATE volumes_snapshots SET status = @backingUp, updated_at = @now WHERE id = @id AND status = @available",
                    new { backingUp = SnapshotStatus.BackingUp, now, id = snapshot.Id, available = SnapshotStatus.Available }, transaction)
                : await connection.ExecuteAsync(
                    "UPDATE volumes_volumes SET status = @backingUp, updated_at = @now WHERE id = @id AND status = @status",
                    new { backingUp = VolumeStatus.BackingUp, now, id = volume.Id, status = volume.Status }, transaction);
            if (moved != 1)
                throw ApiFault.Conflict($"{(snapshot is null ? "Volume " + volume.Id : "Snapshot " + snapshot.Id)} changed status while the backup was being created; retry.");
            await connection.ExecuteAsync($"INSERT INTO volumes_backups ({BackupStore.Columns}) VALUES ({BackupStore.Values})", backup, transaction);
        }, cancellationToken);
        signal.Notify();
        return JsonBody.Node(new JsonObject { ["backup"] = Summary(backup, context) }, StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// Cinder's choice of an incremental backup's parent: the volume's backup with the latest data
    /// timestamp; for a backup of a snapshot, the latest one whose data is older than the snapshot.
    /// The parent must be available.
    /// </summary>
    private static async Task<BackupRecord> IncrementalParentAsync(VolumeRecord volume, SnapshotRecord? snapshot, BackupStore backups, CancellationToken cancellationToken)
    {
        var candidates = (await backups.ListAsync(volume.ProjectId, cancellationToken))
            .Where(b => b.VolumeId == volume.Id && b.Backend != BackupDriver.RawBackend && b.Status != BackupStatus.Deleting)
            .Where(b => snapshot is null || string.CompareOrdinal(b.DataTime, snapshot.CreatedAt) < 0)
            .ToList();
        var latest = candidates.MaxBy(b => b.DataTime, StringComparer.Ordinal)
            ?? throw ApiFault.BadRequest("Invalid backup: No backups available to do an incremental backup.");
        if (latest.Status != BackupStatus.Available)
            throw ApiFault.BadRequest($"Invalid backup: The parent backup must be available for incremental backup (backup {latest.Id} is {latest.Status}).");
        return latest;
    }

    /// <summary>Swift container names without '/', and names that are safe as one directory when backups go to files.</summary>
    private static bool ValidContainer(string name) =>
        name.Length is > 0 and <= 255 && name is not ("." or "..") && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Queues the deletion; refused while an incremental backup builds on this one, as Cinder does.</summary>
    private static async Task<IResult> DeleteAsync(
        string projectId, string id, HttpContext context, BackupStore backups, VolumeWorkSignal signal, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "backup:delete");
        VolumesRequest.RequireProject(caller, projectId);
        var backup = await FindVisibleAsync(id, caller, backups, cancellationToken);
        if (backup.Status is not (BackupStatus.Available or BackupStatus.Error))
            throw ApiFault.BadRequest($"Invalid backup: Backup status must be available or error (it is {backup.Status}).");
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var database = backups.Database;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "volumes:backup:" + id);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM volumes_backups WHERE parent_id = @id", new { id }, transaction) > 0)
                throw ApiFault.BadRequest("Invalid backup: Incremental backups exist for this backup.");
            if (await connection.ExecuteAsync("UPDATE volumes_backups SET status = @deleting, updated_at = @now WHERE id = @id AND status = @from",
                    new { deleting = BackupStatus.Deleting, now, id, from = backup.Status }, transaction) != 1)
                throw ApiFault.Conflict($"Backup {id} changed while it was being deleted; retry.");
        }, cancellationToken);
        signal.Notify();
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    /// <summary>Restores into the named available volume (at least the backup's size) or into a new one; the worker copies.</summary>
    private static async Task<IResult> RestoreAsync(
        string projectId, string id, HttpContext context, BackupStore backups, VolumeStore volumes, VolumeTypeStore types, Admission admission, VolumeWorkSignal signal,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "backup:restore");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "restore");
        var backup = await FindVisibleAsync(id, caller, backups, cancellationToken);
        if (backup.Status != BackupStatus.Available)
            throw ApiFault.BadRequest($"Invalid backup: Backup status must be available (it is {backup.Status}).");
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var database = backups.Database;
        var targetId = VolumesRequest.OptionalString(body, "volume_id");
        string volumeName;
        if (targetId is not null)
        {
            var target = await VolumeEndpoints.FindVisibleAsync(targetId, caller, volumes, cancellationToken);
            if (target.Status != VolumeStatus.Available)
                throw ApiFault.BadRequest($"Invalid volume: Volume to be restored to must be available (it is {target.Status}).");
            if (target.SizeGb < backup.SizeGb)
                throw ApiFault.BadRequest($"Invalid volume: volume size {target.SizeGb}GB is too small to restore backup of size {backup.SizeGb}GB.");
            volumeName = target.Name ?? "";
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                await database.LockAsync(connection, transaction, "volumes:volume:" + target.Id);
                if (await connection.ExecuteAsync("UPDATE volumes_volumes SET status = @restoring, updated_at = @now WHERE id = @id AND status = @available",
                        new { restoring = VolumeStatus.RestoringBackup, now, id = target.Id, available = VolumeStatus.Available }, transaction) != 1)
                    throw ApiFault.Conflict($"Volume {target.Id} changed status; retry.");
                await StartRestoreAsync(connection, transaction, backup.Id, target.Id, now);
            }, cancellationToken);
        }
        else
        {
            var type = await types.FindAsync(VolumeTypeRecord.DefaultName, cancellationToken) ?? throw new InvalidOperationException("The default volume type is missing.");
            volumeName = VolumesRequest.OptionalString(body, "name") ?? $"restore_backup_{backup.Id}";
            var volume = new VolumeRecord
            {
                Id = Identifiers.NewUuid(), ProjectId = backup.ProjectId, UserId = caller.UserId, Name = volumeName, Status = VolumeStatus.RestoringBackup,
                SizeGb = backup.SizeGb, RequestedSizeGb = backup.SizeGb, TypeId = type.Id, CreatedAt = now, UpdatedAt = now,
            };
            targetId = volume.Id;
            await admission.AdmitVolumeAsync(volume, backup.SizeGb, cancellationToken, (connection, transaction) => StartRestoreAsync(connection, transaction, backup.Id, volume.Id, now));
        }
        signal.Notify();
        return JsonBody.Node(new JsonObject
        {
            ["restore"] = new JsonObject { ["backup_id"] = backup.Id, ["volume_id"] = targetId, ["volume_name"] = volumeName },
        }, StatusCodes.Status202Accepted);
    }

    /// <summary>Inside the caller's transaction: the backup starts restoring into the volume (which the caller made restoring-backup).</summary>
    public static async Task StartRestoreAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string backupId, string volumeId, string now)
    {
        if (await connection.ExecuteAsync(
                "UPDATE volumes_backups SET status = @restoring, restore_volume_id = @volumeId, updated_at = @now WHERE id = @backupId AND status = @available",
                new { restoring = BackupStatus.Restoring, volumeId, now, backupId, available = BackupStatus.Available }, transaction) != 1)
            throw ApiFault.Conflict($"Backup {backupId} changed status; retry.");
    }
}
