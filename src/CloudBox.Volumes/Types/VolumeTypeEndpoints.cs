using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Data;
using CloudBox.Volumes.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Types;

/// <summary><c>/v3/{project_id}/types</c> and their <c>extra_specs</c>: everyone reads, admins manage.</summary>
public static class VolumeTypeEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/types", ListAsync);
        project.MapPost("/types", CreateAsync);
        project.MapGet("/types/default", (HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken) =>
            ShowAsync(VolumeTypeRecord.DefaultName, context, types, policy, cancellationToken));
        project.MapGet("/types/{id}", (string id, HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken) =>
            ShowAsync(id, context, types, policy, cancellationToken));
        project.MapPut("/types/{id}", UpdateAsync);
        project.MapDelete("/types/{id}", DeleteAsync);
        project.MapGet("/types/{id}/extra_specs", ExtraSpecsAsync);
        project.MapPost("/types/{id}/extra_specs", SetExtraSpecsAsync);
        project.MapDelete("/types/{id}/extra_specs/{key}", DeleteExtraSpecAsync);
    }

    public static JsonObject ToJson(VolumeTypeRecord type) => new()
    {
        ["id"] = type.Id,
        ["name"] = type.Name,
        ["description"] = type.Description,
        ["is_public"] = type.IsPublic,
        ["os-volume-type-access:is_public"] = type.IsPublic,
        ["extra_specs"] = VolumeJson.Map(type.ExtraSpecs),
        ["qos_specs_id"] = null,
    };

    private static async Task<VolumeTypeRecord> FindAsync(string id, VolumeTypeStore types, CancellationToken cancellationToken) =>
        await types.FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Volume type {id} could not be found.");

    private static async Task<IResult> ListAsync(HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:get_type");
        var list = new JsonArray();
        foreach (var type in await types.ListAsync(cancellationToken))
        {
            if (type.IsPublic || VolumesRequest.IsAdmin(caller))
                list.Add(ToJson(type));
        }
        return JsonBody.Node(new JsonObject { ["volume_types"] = list });
    }

    private static async Task<IResult> ShowAsync(string id, HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "volume:get_type");
        return JsonBody.Node(new JsonObject { ["volume_type"] = ToJson(await FindAsync(id, types, cancellationToken)) });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, VolumeTypeStore types, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "volume:manage_type");
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "volume_type");
        var name = VolumesRequest.OptionalString(body, "name");
        if (string.IsNullOrWhiteSpace(name))
            throw ApiFault.BadRequest("Volume type name can not be empty.");
        var type = new VolumeTypeRecord
        {
            Id = Identifiers.NewUuid(), Name = name, Description = VolumesRequest.OptionalString(body, "description"),
            IsPublic = VolumesRequest.OptionalBool(body, "os-volume-type-access:is_public") ?? VolumesRequest.OptionalBool(body, "is_public") ?? true,
            ExtraSpecs = VolumesJson.WriteMap(VolumesRequest.OptionalMap(body, "extra_specs") ?? []),
            CreatedAt = Timestamps.ToStorage(clock.GetUtcNow()),
        };
        if (!await types.InsertAsync(type, cancellationToken))
            throw ApiFault.Conflict($"Volume Type {name} already exists.");
        return JsonBody.Node(new JsonObject { ["volume_type"] = ToJson(type) });
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "volume:manage_type");
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "volume_type");
        var type = await FindAsync(id, types, cancellationToken);
        if (VolumesRequest.OptionalString(body, "name") is { } name)
            type.Name = name;
        if (body.ContainsKey("description"))
            type.Description = VolumesRequest.OptionalString(body, "description");
        if (VolumesRequest.OptionalBool(body, "is_public") is { } isPublic)
            type.IsPublic = isPublic;
        await types.UpdateAsync(type, cancellationToken);
        return JsonBody.Node(new JsonObject { ["volume_type"] = ToJson(type) });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "volume:manage_type");
        var type = await FindAsync(id, types, cancellationToken);
        if (type.Name == VolumeTypeRecord.DefaultName)
            throw ApiFault.BadRequest("The default volume type cannot be deleted.");
        if (await types.InUseAsync(type.Id, cancellationToken))
            throw ApiFault.BadRequest($"Target volume type {type.Name} is still in use.");
        await types.DeleteAsync(type.Id, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ExtraSpecsAsync(string id, HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "volume:get_type");
        var type = await FindAsync(id, types, cancellationToken);
        return JsonBody.Node(new JsonObject { ["extra_specs"] = VolumeJson.Map(type.ExtraSpecs) });
    }

    private static async Task<IResult> SetExtraSpecsAsync(string id, HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "volume:manage_type");
        var given = VolumesRequest.OptionalMap(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "extra_specs")
            ?? throw ApiFault.BadRequest("Missing required element 'extra_specs' in request body.");
        var type = await FindAsync(id, types, cancellationToken);
        var specs = VolumesJson.ReadMap(type.ExtraSpecs);
        foreach (var (key, value) in given)
            specs[key] = value;
        type.ExtraSpecs = VolumesJson.WriteMap(specs);
        await types.UpdateAsync(type, cancellationToken);
        return JsonBody.Node(new JsonObject { ["extra_specs"] = VolumeJson.Map(type.ExtraSpecs) });
    }

    private static async Task<IResult> DeleteExtraSpecAsync(string id, string key, HttpContext context, VolumeTypeStore types, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "volume:manage_type");
        var type = await FindAsync(id, types, cancellationToken);
        var specs = VolumesJson.ReadMap(type.ExtraSpecs);
        if (!specs.Remove(key))
            throw ApiFault.NotFound($"Volume Type {id} has no extra specs with key {key}.");
        type.ExtraSpecs = VolumesJson.WriteMap(specs);
        await types.UpdateAsync(type, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
