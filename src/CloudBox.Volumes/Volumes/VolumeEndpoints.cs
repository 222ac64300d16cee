using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Paging;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Core.Images;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Backups;
using CloudBox.Volumes.Data;
using CloudBox.Volumes.Quotas;
using CloudBox.Volumes.Snapshots;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Types;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Volumes;

/// <summary><c>/v3/{project_id}/volumes</c>: create (empty, from a snapshot, a volume, an image or, from 3.47, a backup), list, show, update, delete.</summary>
public static class VolumeEndpoints
{
    private static readonly string[] DeletableStatuses = [VolumeStatus.Available, VolumeStatus.Error, VolumeStatus.ErrorExtending, VolumeStatus.ErrorDeleting];

    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/volumes", (string projectId, HttpContext context, VolumeStore volumes, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, detail: false, context, volumes, types, policy, cancellationToken));
        project.MapGet("/volumes/detail", (string projectId, HttpContext context, VolumeStore volumes, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, detail: true, context, volumes, types, policy, cancellationToken));
        project.MapPost("/volumes", CreateAsync);
        project.MapGet("/volumes/{id}", ShowAsync);
        project.MapPut("/volumes/{id}", UpdateAsync);
        project.MapDelete("/volumes/{id}", DeleteAsync);
    }

    /// <summary>The volume if the caller's project owns it (or the caller is an admin); 404 otherwise.</summary>
    public static async Task<VolumeRecord> FindVisibleAsync(string id, CallerContext caller, VolumeStore volumes, CancellationToken cancellationToken)
    {
        var volume = await volumes.FindAsync(id, cancellationToken);
        if (volume is null || !VolumesRequest.CanSee(caller, volume.ProjectId))
            throw ApiFault.NotFound($"Volume {id} could not be found.");
        return volume;
    }

    public static async Task<JsonObject> DetailAsync(VolumeRecord volume, VolumeTypeStore types, HttpContext context, CallerContext caller, CancellationToken cancellationToken)
    {
        var type = await types.FindAsync(volume.TypeId, cancellationToken);
        var attachments = await context.RequestServices.GetRequiredService<Attachments.AttachmentStore>().ListForVolumesAsync([volume.Id], cancellationToken);
        return VolumeJson.Detail(volume, type?.Name ?? volume.TypeId, context.Request, VolumesRequest.IsAdmin(caller), attachments);
    }

    /// <summary>Columns of Cinder's volumes a list may be sorted by.</summary>
    private static readonly HashSet<string> CinderSortKeys =
    [
        "id", "name", "display_name", "description", "display_description", "status", "size", "availability_zone", "bootable", "created_at",
        "updated_at", "project_id", "user_id", "volume_type_id", "attach_status", "multiattach", "encrypted", "host", "snapshot_id",
        "source_volid", "group_id", "consistencygroup_id", "migration_status", "replication_status",
    ];

    private static async Task<IResult> ListAsync(
        string projectId, bool detail, HttpContext context, VolumeStore volumes, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get_all");
        VolumesRequest.RequireProject(caller, projectId);
        var request = context.Request;
        // Cinder answers an unknown sort key or direction with 400.
        var sort = SortQuery.Parse(request, CinderSortKeys, message => ApiFault.BadRequest($"Invalid input received: {message}"), allowSortParameter: true);
        var allProjects = VolumesRequest.IsAdmin(caller) && request.QueryBool("all_tenants") == true;
        var found = await volumes.ListAsync(allProjects ? null : projectId, cancellationToken);
        var name = request.Query("name");
        var status = request.Query("status");
        var bootable = request.QueryBool("bootable");
        var filtered = ListLinks.Sort(
            found.Where(v => (name is null || v.Name == name) && (status is null || v.Status == status) && (bootable is null || v.Bootable == bootable)).ToList(),
            sort, SortValue, v => v.Id);
        var page = PageRequest.FromQuery(request).Apply(filtered, v => v.Id);
        var list = new JsonArray();
        foreach (var volume in page)
            list.Add(detail ? await DetailAsync(volume, types, context, caller, cancellationToken) : VolumeJson.Summary(volume, request));
        var answer = ListLinks.WithNext(new JsonObject { ["volumes"] = list }, "volumes", request, filtered, page, v => v.Id);
        return JsonBody.Node(ListCount.With(answer, context, filtered.Count));
    }

    /// <summary>A volume's value for a Cinder sort key (keys it has no column for sort as equal, then by id).</summary>
    private static object? SortValue(VolumeRecord volume, string key) => key switch
    {
        "id" => volume.Id,
        "name" or "display_name" => volume.Name,
        "description" or "display_description" => volume.Description,
        "status" => volume.Status,
        "size" => volume.SizeGb,
        "bootable" => volume.Bootable,
        "multiattach" => volume.Multiattach,
        "created_at" => volume.CreatedAt,
        "updated_at" => volume.UpdatedAt,
        "project_id" => volume.ProjectId,
        "user_id" => volume.UserId,
        "volume_type_id" => volume.TypeId,
        "snapshot_id" => volume.SnapshotId,
        "source_volid" => volume.SourceVolid,
        _ => null,
    };

    private static async Task<IResult> CreateAsync(string projectId, HttpContext context, PolicyEngine policy, TimeProvider clock, IServiceProvider services, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:create");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "volume");
        var volumes = services.GetRequiredService<VolumeStore>();
        var snapshots = services.GetRequiredService<SnapshotStore>();
        var types = services.GetRequiredService<VolumeTypeStore>();

        var size = VolumesRequest.OptionalInt(body, "size");
        var snapshotId = VolumesRequest.OptionalString(body, "snapshot_id");
        var sourceId = VolumesRequest.OptionalString(body, "source_volid");
        var imageRef = VolumesRequest.OptionalString(body, "imageRef") ?? VolumesRequest.OptionalString(body, "image_id");
        var backupId = VolumeApiVersion.AtLeast(context, "3.47") ? VolumesRequest.OptionalString(body, "backup_id") : null;
        if (new[] { snapshotId, sourceId, imageRef, backupId }.Count(s => s is not null) > 1)
            throw ApiFault.BadRequest("Give at most one of snapshot_id, source_volid, imageRef and backup_id.");
        if (imageRef is not null && VolumeApiVersion.AtLeast(context, "3.46")
            && await services.GetRequiredService<IImageSource>().FindAsync(imageRef, caller, cancellationToken) is { } novaImage
            && NovaSnapshotImage.RootSnapshotOf(novaImage) is { } rootSnapshot)
            (snapshotId, imageRef) = (rootSnapshot, null);
        var zone = VolumesRequest.OptionalString(body, "availability_zone");
        if (zone is not null && zone != VolumeJson.AvailabilityZone)
            throw ApiFault.BadRequest($"Availability zone '{zone}' is invalid; this cloud has '{VolumeJson.AvailabilityZone}'.");

        var imageMetadata = new Dictionary<string, string>();
        BackupRecord? restoreFrom = null;
        var bootable = false;
        int minimumGb = 1;
        if (snapshotId is not null)
        {
            var snapshot = await snapshots.FindAsync(snapshotId, cancellationToken);
            if (snapshot is null || !VolumesRequest.CanSee(caller, snapshot.ProjectId))
                throw ApiFault.NotFound($"Snapshot {snapshotId} could not be found.");
            if (snapshot.Status != SnapshotStatus.Available)
                throw ApiFault.BadRequest($"Invalid snapshot: Originating snapshot status must be one of 'available' values (it is {snapshot.Status}).");
            minimumGb = snapshot.SizeGb;
        }
        else if (sourceId is not null)
        {
            var source = await FindVisibleAsync(sourceId, caller, volumes, cancellationToken);
            if (source.Status is not (VolumeStatus.Available or VolumeStatus.InUse))
                throw ApiFault.BadRequest($"Invalid volume: Source volume status must be available or in-use (it is {source.Status}).");
            minimumGb = source.SizeGb;
            bootable = source.Bootable;
            // A clone holds the same image as its source, as Cinder copies the image metadata along.
            foreach (var (key, value) in VolumesJson.ReadMap(source.ImageMetadata))
                imageMetadata[key] = value;
        }
        else if (backupId is not null)
        {
            restoreFrom = await services.GetRequiredService<BackupStore>().FindAsync(backupId, cancellationToken);
            if (restoreFrom is null || !VolumesRequest.CanSee(caller, restoreFrom.ProjectId))
                throw ApiFault.NotFound($"Backup {backupId} could not be found.");
            if (restoreFrom.Status != BackupStatus.Available)
                throw ApiFault.BadRequest($"Invalid backup: Backup status must be available (it is {restoreFrom.Status}).");
            minimumGb = restoreFrom.SizeGb;
        }
        else if (imageRef is not null)
        {
            var (imageMinimumGb, metadata) = await ImageVolumeSource.ReadAsync(services.GetRequiredService<IImageSource>(), imageRef, caller, cancellationToken);
            minimumGb = imageMinimumGb;
            bootable = true;
            foreach (var (key, value) in metadata)
                imageMetadata[key] = value;
        }
        else if (size is null)
        {
            throw ApiFault.BadRequest("Missing required element 'size' in request body.");
        }

        var sizeGb = size ?? minimumGb;
        if (sizeGb < 1)
            throw ApiFault.BadRequest($"Invalid input received: Volume size '{sizeGb}' must be an integer and greater than 0.");
        if (sizeGb < minimumGb)
            throw ApiFault.BadRequest($"Volume size {sizeGb}GB cannot be smaller than the size of its source ({minimumGb}GB).");

        var typeName = VolumesRequest.OptionalString(body, "volume_type") ?? VolumeTypeRecord.DefaultName;
        var type = await types.FindAsync(typeName, cancellationToken) ?? throw ApiFault.NotFound($"Volume type {typeName} could not be found.");
        // A multiattach type makes multiattach volumes; the older request flag is still honoured, as Cinder's API reference lists it.
        var multiattach = IsMultiattachType(type) || (VolumesRequest.OptionalBool(body, "multiattach") ?? false);
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var volume = new VolumeRecord
        {
            Id = Identifiers.NewUuid(), ProjectId = projectId, UserId = caller.UserId, Multiattach = multiattach,
            Name = VolumesRequest.OptionalString(body, "name") ?? VolumesRequest.OptionalString(body, "display_name"),
            Description = VolumesRequest.OptionalString(body, "description") ?? VolumesRequest.OptionalString(body, "display_description"),
            Status = VolumeStatus.Creating, SizeGb = sizeGb, RequestedSizeGb = sizeGb, TypeId = type.Id, Bootable = bootable,
            SnapshotId = snapshotId, SourceVolid = sourceId, ImageId = imageRef, ImageMetadata = VolumesJson.WriteMap(imageMetadata),
            Metadata = VolumesJson.WriteMap(VolumesRequest.OptionalMap(body, "metadata") ?? []), CreatedAt = now, UpdatedAt = now,
        };
        if (restoreFrom is null)
        {
            await services.GetRequiredService<Admission>().AdmitVolumeAsync(volume, sizeGb, cancellationToken);
        }
        else
        {
            // 3.47: the new volume is restored from the backup by the worker, as a restore into a new volume is.
            volume.Status = VolumeStatus.RestoringBackup;
            await services.GetRequiredService<Admission>().AdmitVolumeAsync(volume, sizeGb, cancellationToken,
                (connection, transaction) => BackupEndpoints.StartRestoreAsync(connection, transaction, restoreFrom.Id, volume.Id, now));
        }
        services.GetRequiredService<VolumeWorkSignal>().Notify();
        return JsonBody.Node(new JsonObject { ["volume"] = VolumeJson.Detail(volume, type.Name, context.Request, VolumesRequest.IsAdmin(caller)) }, StatusCodes.Status202Accepted);
    }

    /// <summary>Cinder's capability spec: <c>multiattach="&lt;is&gt; True"</c> on the volume type.</summary>
    public static bool IsMultiattachType(VolumeTypeRecord type) =>
        VolumesJson.ReadMap(type.ExtraSpecs).TryGetValue("multiattach", out var spec) && spec.Trim().Equals("<is> True", StringComparison.OrdinalIgnoreCase);

    private static async Task<IResult> ShowAsync(string projectId, string id, HttpContext context, VolumeStore volumes, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get");
        VolumesRequest.RequireProject(caller, projectId);
        var volume = await FindVisibleAsync(id, caller, volumes, cancellationToken);
        return JsonBody.Node(new JsonObject { ["volume"] = await DetailAsync(volume, types, context, caller, cancellationToken) });
    }

    private static async Task<IResult> UpdateAsync(string projectId, string id, HttpContext context, VolumeStore volumes, VolumeTypeStore types, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:update");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "volume");
        var volume = await FindVisibleAsync(id, caller, volumes, cancellationToken);
        var status = volume.Status;
        if (body.ContainsKey("name") || body.ContainsKey("display_name"))
            volume.Name = VolumesRequest.OptionalString(body, "name") ?? VolumesRequest.OptionalString(body, "display_name");
        if (body.ContainsKey("description") || body.ContainsKey("display_description"))
            volume.Description = VolumesRequest.OptionalString(body, "description") ?? VolumesRequest.OptionalString(body, "display_description");
        if (VolumesRequest.OptionalMap(body, "metadata") is { } metadata)
            volume.Metadata = VolumesJson.WriteMap(metadata);
        volume.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (!await volumes.UpdateAsync(volume, status, cancellationToken))
            throw ApiFault.Conflict($"Volume {id} changed while it was being updated; retry.");
        return JsonBody.Node(new JsonObject { ["volume"] = await DetailAsync(volume, types, context, caller, cancellationToken) });
    }

    private static async Task<IResult> DeleteAsync(
        string projectId, string id, HttpContext context, VolumeStore volumes, SnapshotStore snapshots, VolumeWorkSignal signal, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:delete");
        VolumesRequest.RequireProject(caller, projectId);
        var volume = await FindVisibleAsync(id, caller, volumes, cancellationToken);
        if (volume.Status == VolumeStatus.InUse)
            throw ApiFault.BadRequest($"Invalid volume: Volume {id} is attached; detach it before deleting it.");
        if (!DeletableStatuses.Contains(volume.Status))
            throw ApiFault.BadRequest($"Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer (it is {volume.Status}).");
        var dependents = await snapshots.ListForVolumeAsync(id, cancellationToken);
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        if (dependents.Count > 0)
        {
            if (context.Request.QueryBool("cascade") != true)
                throw ApiFault.BadRequest($"Invalid volume: Volume {id} still has {dependents.Count} dependent snapshots.");
            if (dependents.FirstOrDefault(s => s.Status is not (SnapshotStatus.Available or SnapshotStatus.Error)) is { } busy)
                throw ApiFault.BadRequest($"Invalid volume: Snapshot {busy.Id} of volume {id} is {busy.Status}; it must be available or error to be deleted with the volume.");
            foreach (var snapshot in dependents)
            {
                var from = snapshot.Status;
                snapshot.Status = SnapshotStatus.Deleting;
                snapshot.UpdatedAt = now;
                await snapshots.UpdateAsync(snapshot, from, cancellationToken);
            }
        }
        var status = volume.Status;
        volume.Status = VolumeStatus.Deleting;
        volume.UpdatedAt = now;
        if (!await volumes.UpdateAsync(volume, status, cancellationToken))
            throw ApiFault.Conflict($"Volume {id} changed while it was being deleted; retry.");
        signal.Notify();
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
