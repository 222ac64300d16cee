using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Types;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Volumes;

/// <summary>
/// <c>os-retype</c> (<c>openstack volume set --type</c>). CloudBox has one backend, so a retype never
/// has to move data: it is a change of the volume's type (and of the multiattach capability the
/// type gives), whatever the <c>migration_policy</c>. What the types' extra specs forbid is refused
/// as Cinder refuses it: changing whether an attached volume is multiattach.
/// </summary>
public static class VolumeRetype
{
    public const string Action = "os-retype";

    private static readonly string[] MigrationPolicies = ["never", "on-demand"];

    public static async Task<IResult> RunAsync(JsonObject argument, VolumeRecord volume, CallerContext caller, HttpContext context, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        var typeRef = VolumesRequest.OptionalString(argument, "new_type") ?? throw ApiFault.BadRequest("os-retype needs 'new_type'.");
        var policy = VolumesRequest.OptionalString(argument, "migration_policy") ?? "never";
        if (!MigrationPolicies.Contains(policy))
            throw ApiFault.BadRequest($"Invalid input received: migration_policy must be 'never' or 'on-demand', not '{policy}'.");
        var types = services.GetRequiredService<VolumeTypeStore>();
        var newType = await types.FindAsync(typeRef, cancellationToken);
        if (newType is null || (!newType.IsPublic && !VolumesRequest.IsAdmin(caller)))
            throw ApiFault.NotFound($"Volume type {typeRef} could not be found.");
        if (volume.Status is not (VolumeStatus.Available or VolumeStatus.InUse))
            throw ApiFault.BadRequest($"Invalid volume: Volume status must be available or in-use to be retyped (it is {volume.Status}).");
        if (newType.Id == volume.TypeId)
            throw ApiFault.BadRequest($"Invalid input received: New volume type must be different from the current one ({newType.Name}).");
        var multiattach = VolumeEndpoints.IsMultiattachType(newType);
        if (volume.Status == VolumeStatus.InUse && multiattach != volume.Multiattach)
            throw ApiFault.BadRequest($"Invalid volume: Volume {volume.Id} is in-use; retyping it to {newType.Name} would {(multiattach ? "make it" : "stop it being")} multiattach, which needs the volume detached.");

        var from = volume.Status;
        volume.TypeId = newType.Id;
        volume.Multiattach = multiattach;
        volume.UpdatedAt = Timestamps.ToStorage(services.GetRequiredService<TimeProvider>().GetUtcNow());
        if (!await services.GetRequiredService<VolumeStore>().UpdateAsync(volume, from, cancellationToken))
            throw ApiFault.Conflict($"Volume {volume.Id} changed status while it was being retyped; retry.");
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
