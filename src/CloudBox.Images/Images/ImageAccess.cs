using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Images.Images;

/// <summary>Glance's visibility rules: who sees an image, and who may change it.</summary>
public static class ImageAccess
{
    public static bool IsAdmin(CallerContext caller) => caller.HasRole("admin");

    public static bool IsOwner(ImageRecord image, CallerContext caller) =>
        image.Owner is not null && image.Owner == caller.ProjectId;

    /// <summary>Public and community images, the project's own, and those shared with it; everything for admins.</summary>
    public static bool CanSee(ImageRecord image, CallerContext caller, bool isMember) =>
        IsAdmin(caller) || image.Visibility is "public" or "community" || IsOwner(image, caller) || (image.Visibility == "shared" && isMember);

    /// <summary>Only the owner (or an admin) changes an image; others get 403 for an image they can see.</summary>
    public static void RequireModify(ImageRecord image, CallerContext caller)
    {
        if (!IsAdmin(caller) && !IsOwner(image, caller))
            throw ApiFault.Forbidden($"You are not permitted to modify image {image.Id}.");
    }
}
