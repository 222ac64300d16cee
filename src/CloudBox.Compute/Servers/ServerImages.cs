using CloudBox.Compute.Flavors;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Images;

namespace CloudBox.Compute.Servers;

/// <summary>The checks an image must pass to boot a server of a flavor, with Nova's answers.</summary>
public static class ServerImages
{
    public static async Task<ImageInfo> ResolveAsync(string imageRef, FlavorRecord flavor, CallerContext caller, IImageSource images, CancellationToken cancellationToken)
    {
        var id = LastSegment(imageRef);
        var image = Guid.TryParse(id, out _) ? await images.FindAsync(id, caller, cancellationToken) : null;
        if (image is null)
            throw ApiFault.BadRequest($"Image {id} could not be found.");
        if (image.Status != "active")
            throw ApiFault.Conflict($"Image {id} is not active.");
        if (image.DiskFormat is "aki" or "ari")
            throw ApiFault.BadRequest($"Image {id} is a kernel or ramdisk image ({image.DiskFormat}); it cannot be a server's root disk.");
        if (flavor.Ram < image.MinRam)
            throw ApiFault.BadRequest("Flavor's memory is too small for requested image.");
        if (flavor.Disk > 0)
        {
            var needed = Math.Max(image.VirtualSize ?? 0, image.Size ?? 0);
            if (image.MinDisk > flavor.Disk)
                throw ApiFault.BadRequest($"Flavor's disk is too small for requested image. Flavor disk is {(long)flavor.Disk << 30} bytes, minimum disk is {(long)image.MinDisk << 30} bytes.");
            if (needed > (long)flavor.Disk << 30)
                throw ApiFault.BadRequest($"Flavor's disk is too small for requested image. Flavor disk is {(long)flavor.Disk << 30} bytes, image is {needed} bytes.");
        }
        return image;
    }

    /// <summary>Clients may send a full URL as imageRef or flavorRef; the id is its last segment.</summary>
    public static string LastSegment(string reference)
    {
        var trimmed = reference.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash >= 0 ? trimmed[(slash + 1)..] : trimmed;
    }
}
