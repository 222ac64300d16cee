using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Images.Members;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Images;

/// <summary><c>/v2/images/{id}/tags/{tag}</c>: add and remove one tag.</summary>
public static class ImageTagEndpoints
{
    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapPut("/images/{id}/tags/{tag}", (string id, string tag, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken) =>
            ChangeAsync(id, tag, add: true, context, images, members, policy, clock, cancellationToken));
        v2.MapDelete("/images/{id}/tags/{tag}", (string id, string tag, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken) =>
            ChangeAsync(id, tag, add: false, context, images, members, policy, clock, cancellationToken));
    }

    private static async Task<IResult> ChangeAsync(
        string id, string tag, bool add, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:modify_image");
        ImageAttributes.ValidateTag(tag);
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        var changed = image.Clone();
        if (add)
        {
            if (changed.Tags.Contains(tag))
                return Results.NoContent();
            if (changed.Tags.Count >= 128)
                throw ApiFault.RequestTooLarge("An image may have at most 128 tags.");
            changed.Tags.Add(tag);
        }
        else if (!changed.Tags.Remove(tag))
        {
            throw ApiFault.NotFound($"Tag {tag} not found on image {id}.");
        }
        changed.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (!await images.UpdateAsync(changed, image.Status, cancellationToken))
            throw ApiFault.Conflict($"Image {id} changed status while it was being updated; retry.");
        return Results.NoContent();
    }
}
