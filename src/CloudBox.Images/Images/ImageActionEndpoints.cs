using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Images.Members;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Images;

/// <summary><c>/v2/images/{id}/actions/deactivate</c> and <c>/reactivate</c>: an admin withholds an image's data without deleting it.</summary>
public static class ImageActionEndpoints
{
    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapPost("/images/{id}/actions/deactivate", (string id, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken) =>
            SwitchAsync(id, "deactivate", ImageStatus.Active, ImageStatus.Deactivated, context, images, members, policy, clock, cancellationToken));
        v2.MapPost("/images/{id}/actions/reactivate", (string id, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken) =>
            SwitchAsync(id, "reactivate", ImageStatus.Deactivated, ImageStatus.Active, context, images, members, policy, clock, cancellationToken));
    }

    private static async Task<IResult> SwitchAsync(
        string id, string action, string from, string to, HttpContext context, ImageStore images, MemberStore members,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:" + action);
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        if (image.Status == to)
            return Results.NoContent();
        if (image.Status != from || !await images.TransitionAsync(id, from, to, Timestamps.ToStorage(clock.GetUtcNow()), cancellationToken))
            throw ApiFault.BadRequest($"Not allowed to {action} image in status '{image.Status}'");
        return Results.NoContent();
    }
}
