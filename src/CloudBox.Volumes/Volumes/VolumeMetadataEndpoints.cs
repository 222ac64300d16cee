using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Volumes;

/// <summary><c>/v3/{project_id}/volumes/{id}/metadata</c>: read, merge (POST), replace (PUT) and delete one key.</summary>
public static class VolumeMetadataEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/volumes/{id}/metadata", GetAsync);
        project.MapPost("/volumes/{id}/metadata", (string projectId, string id, HttpContext context, VolumeStore volumes, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken) =>
            WriteAsync(projectId, id, replace: false, context, volumes, policy, clock, cancellationToken));
        project.MapPut("/volumes/{id}/metadata", (string projectId, string id, HttpContext context, VolumeStore volumes, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken) =>
            WriteAsync(projectId, id, replace: true, context, volumes, policy, clock, cancellationToken));
        project.MapDelete("/volumes/{id}/metadata/{key}", DeleteKeyAsync);
    }

    private static async Task<IResult> GetAsync(string projectId, string id, HttpContext context, VolumeStore volumes, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get");
        VolumesRequest.RequireProject(caller, projectId);
        var volume = await VolumeEndpoints.FindVisibleAsync(id, caller, volumes, cancellationToken);
        return JsonBody.Node(new JsonObject { ["metadata"] = VolumeJson.Map(volume.Metadata) });
    }

    private static async Task<IResult> WriteAsync(
        string projectId, string id, bool replace, HttpContext context, VolumeStore volumes, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:update");
        VolumesRequest.RequireProject(caller, projectId);
        var given = VolumesRequest.OptionalMap(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "metadata")
            ?? throw ApiFault.BadRequest("Missing required element 'metadata' in request body.");
        var volume = await VolumeEndpoints.FindVisibleAsync(id, caller, volumes, cancellationToken);
        var metadata = replace ? given : VolumesJson.ReadMap(volume.Metadata);
        if (!replace)
        {
            foreach (var (key, value) in given)
                metadata[key] = value;
        }
        volume.Metadata = VolumesJson.WriteMap(metadata);
        volume.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (!await volumes.UpdateAsync(volume, volume.Status, cancellationToken))
            throw ApiFault.Conflict($"Volume {id} changed while it was being updated; retry.");
        return JsonBody.Node(new JsonObject { ["metadata"] = VolumeJson.Map(volume.Metadata) });
    }

    private static async Task<IResult> DeleteKeyAsync(string projectId, string id, string key, HttpContext context, VolumeStore volumes, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:update");
        VolumesRequest.RequireProject(caller, projectId);
        var volume = await VolumeEndpoints.FindVisibleAsync(id, caller, volumes, cancellationToken);
        var metadata = VolumesJson.ReadMap(volume.Metadata);
        if (!metadata.Remove(key))
            throw ApiFault.NotFound($"Volume {id} has no metadata with key {key}.");
        volume.Metadata = VolumesJson.WriteMap(metadata);
        volume.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        await volumes.UpdateAsync(volume, volume.Status, cancellationToken);
        return Results.Ok();
    }
}
