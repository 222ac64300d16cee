using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Paging;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Data;
using CloudBox.Volumes.Quotas;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Snapshots;

/// <summary><c>/v3/{project_id}/snapshots</c>: point-in-time copies of volumes.</summary>
public static class SnapshotEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/snapshots", (string projectId, HttpContext context, SnapshotStore snapshots, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, context, snapshots, policy, cancellationToken));
        project.MapGet("/snapshots/detail", (string projectId, HttpContext context, SnapshotStore snapshots, PolicyEngine policy, CancellationToken cancellationToken) =>
            ListAsync(projectId, context, snapshots, policy, cancellationToken));
        project.MapPost("/snapshots", CreateAsync);
        project.MapGet("/snapshots/{id}", ShowAsync);
        project.MapPut("/snapshots/{id}", UpdateAsync);
        project.MapDelete("/snapshots/{id}", DeleteAsync);
    }

    public static JsonObject ToJson(SnapshotRecord snapshot, bool isAdmin)
    {
        var json = new JsonObject
        {
            ["id"] = snapshot.Id,
            ["name"] = snapshot.Name,
            ["description"] = snapshot.Description,
            ["status"] = snapshot.Status,
            ["size"] = snapshot.SizeGb,
            ["volume_id"] = snapshot.VolumeId,
            ["metadata"] = VolumeJson.Map(snapshot.Metadata),
            ["created_at"] = VolumeJson.Cinder(snapshot.CreatedAt),
            ["updated_at"] = VolumeJson.Cinder(snapshot.UpdatedAt),
            ["os-extended-snapshot-attributes:progress"] = snapshot.Status == SnapshotStatus.Available ? "100%" : "0%",
        };
        if (isAdmin)
            json["os-extended-snapshot-attributes:project_id"] = snapshot.ProjectId;
        return json;
    }

    private static async Task<SnapshotRecord> FindVisibleAsync(string id, CallerContext caller, SnapshotStore snapshots, CancellationToken cancellationToken)
    {
        var snapshot = await snapshots.FindAsync(id, cancellationToken);
        if (snapshot is null || !VolumesRequest.CanSee(caller, snapshot.ProjectId))
            throw ApiFault.NotFound($"Snapshot {id} could not be found.");
        return snapshot;
    }

    private static readonly HashSet<string> SortKeys = ["id", "name", "display_name", "status", "size", "volume_id", "project_id", "created_at", "updated_at"];

    private static object? SortValue(SnapshotRecord snapshot, string key) => key switch
    {
        "id" => snapshot.Id,
        "name" or "display_name" => snapshot.Name,
        "status" => snapshot.Status,
        "size" => snapshot.SizeGb,
        "volume_id" => snapshot.VolumeId,
        "project_id" => snapshot.ProjectId,
        "created_at" => snapshot.CreatedAt,
        _ => snapshot.UpdatedAt,
    };

    private static async Task<IResult> ListAsync(string projectId, HttpContext context, SnapshotStore snapshots, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get_all_snapshots");
        VolumesRequest.RequireProject(caller, projectId);
        var request = context.Request;
        var allProjects = VolumesRequest.IsAdmin(caller) && request.QueryBool("all_tenants") == true;
        var sort = SortQuery.Parse(request, SortKeys, message => ApiFault.BadRequest($"Invalid input received: {message}"), allowSortParameter: true);
        var volumeId = request.Query("volume_id");
        var name = request.Query("name");
        var status = request.Query("status");
        var found = ListLinks.Sort((await snapshots.ListAsync(allProjects ? null : projectId, cancellationToken))
            .Where(s => (volumeId is null || s.VolumeId == volumeId) && (name is null || s.Name == name) && (status is null || s.Status == status)).ToList(),
            sort, SortValue, s => s.Id);
        var page = PageRequest.FromQuery(request).Apply(found, s => s.Id);
        var list = new JsonArray();
        foreach (var snapshot in page)
            list.Add(ToJson(snapshot, VolumesRequest.IsAdmin(caller)));
        var answer = ListLinks.WithNext(new JsonObject { ["snapshots"] = list }, "snapshots", request, found, page, s => s.Id);
        return JsonBody.Node(ListCount.With(answer, context, found.Count));
    }

    private static async Task<IResult> CreateAsync(
        string projectId, HttpContext context, VolumeStore volumes, Admission admission, VolumeWorkSignal signal, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:create_snapshot");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "snapshot");
        var volumeId = VolumesRequest.OptionalString(body, "volume_id") ?? throw ApiFault.BadRequest("Missing required element 'volume_id' in request body.");
        var volume = await VolumeEndpoints.FindVisibleAsync(volumeId, caller, volumes, cancellationToken);
        var force = VolumesRequest.OptionalBool(body, "force") ?? false;
        if (volume.Status != VolumeStatus.Available && !(force && volume.Status == VolumeStatus.InUse))
            throw ApiFault.BadRequest($"Invalid volume: Volume {volumeId} status must be available (it is {volume.Status}); in-use volumes need force.");
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var snapshot = new SnapshotRecord
        {
            Id = Identifiers.NewUuid(), ProjectId = volume.ProjectId, UserId = caller.UserId, VolumeId = volume.Id,
            Name = VolumesRequest.OptionalString(body, "name") ?? VolumesRequest.OptionalString(body, "display_name"),
            Description = VolumesRequest.OptionalString(body, "description") ?? VolumesRequest.OptionalString(body, "display_description"),
            Status = SnapshotStatus.Creating, SizeGb = volume.SizeGb,
            Metadata = VolumesJson.WriteMap(VolumesRequest.OptionalMap(body, "metadata") ?? []), CreatedAt = now, UpdatedAt = now,
        };
        await admission.AdmitSnapshotAsync(snapshot, cancellationToken);
        signal.Notify();
        return JsonBody.Node(new JsonObject { ["snapshot"] = ToJson(snapshot, VolumesRequest.IsAdmin(caller)) }, StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ShowAsync(string projectId, string id, HttpContext context, SnapshotStore snapshots, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get_snapshot");
        VolumesRequest.RequireProject(caller, projectId);
        var snapshot = await FindVisibleAsync(id, caller, snapshots, cancellationToken);
        return JsonBody.Node(new JsonObject { ["snapshot"] = ToJson(snapshot, VolumesRequest.IsAdmin(caller)) });
    }

    private static async Task<IResult> UpdateAsync(string projectId, string id, HttpContext context, SnapshotStore snapshots, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:update_snapshot");
        VolumesRequest.RequireProject(caller, projectId);
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "snapshot");
        var snapshot = await FindVisibleAsync(id, caller, snapshots, cancellationToken);
        if (body.ContainsKey("name"))
            snapshot.Name = VolumesRequest.OptionalString(body, "name");
        if (body.ContainsKey("description"))
            snapshot.Description = VolumesRequest.OptionalString(body, "description");
        if (VolumesRequest.OptionalMap(body, "metadata") is { } metadata)
            snapshot.Metadata = VolumesJson.WriteMap(metadata);
        snapshot.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (!await snapshots.UpdateAsync(snapshot, snapshot.Status, cancellationToken))
            throw ApiFault.Conflict($"Snapshot {id} changed while it was being updated; retry.");
        return JsonBody.Node(new JsonObject { ["snapshot"] = ToJson(snapshot, VolumesRequest.IsAdmin(caller)) });
    }

    private static async Task<IResult> DeleteAsync(string projectId, string id, HttpContext context, SnapshotStore snapshots, VolumeWorkSignal signal, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:delete_snapshot");
        VolumesRequest.RequireProject(caller, projectId);
        var snapshot = await FindVisibleAsync(id, caller, snapshots, cancellationToken);
        if (snapshot.Status is not (SnapshotStatus.Available or SnapshotStatus.Error))
            throw ApiFault.BadRequest($"Invalid snapshot: Snapshot status must be available or error (it is {snapshot.Status}).");
        var from = snapshot.Status;
        snapshot.Status = SnapshotStatus.Deleting;
        snapshot.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (!await snapshots.UpdateAsync(snapshot, from, cancellationToken))
            throw ApiFault.Conflict($"Snapshot {id} changed while it was being deleted; retry.");
        signal.Notify();
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
