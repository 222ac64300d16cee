using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Images.Images;
using CloudBox.Images.Members;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Files;

/// <summary><c>/v2/images/{id}/file</c>: upload (queued → saving → active) and streamed, ranged download.</summary>
public static class ImageDataEndpoints
{
    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapPut("/images/{id}/file", UploadAsync);
        v2.MapGet("/images/{id}/file", DownloadAsync);
    }

    private static async Task<IResult> UploadAsync(
        string id, HttpContext context, ImageStore images, MemberStore members, ImageFileStore files, ImagesSettings settings,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:upload_image");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        if (image.DiskFormat is null || image.ContainerFormat is null)
            throw ApiFault.BadRequest("Properties disk_format, container_format must be set prior to saving data.");
        if (!await images.TransitionAsync(id, ImageStatus.Queued, ImageStatus.Saving, Now(clock), cancellationToken))
            throw ApiFault.Conflict($"Image status transition from {image.Status} to saving is not allowed");

        try
        {
            var write = await ReceiveAsync(context, files, settings, cancellationToken);
            await ActivateAsync(image, write, images, files, clock, ImageStatus.Saving, cancellationToken);
        }
        catch
        {
            // The upload failed or was refused: the image takes data again (Glance resets to queued too).
            await images.TransitionAsync(id, ImageStatus.Saving, ImageStatus.Queued, Now(clock), CancellationToken.None);
            throw;
        }
        return Results.NoContent();
    }

    /// <summary>Streams the request body to a fsynced temporary file, refusing more than the image size cap.</summary>
    public static async Task<ImageFileWrite> ReceiveAsync(HttpContext context, ImageFileStore files, ImagesSettings settings, CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = settings.MaxImageBytes;
        if (context.Request.ContentLength > settings.MaxImageBytes)
            throw ApiFault.RequestTooLarge($"Image exceeds the storage quota: {context.Request.ContentLength} bytes is more than the limit of {settings.MaxImageBytes}.");
        try
        {
            return await files.WriteTemporaryAsync(context.Request.Body, settings.MaxImageBytes, cancellationToken);
        }
        catch (ImageTooLargeException error)
        {
            throw ApiFault.RequestTooLarge(error.Message);
        }
    }

    /// <summary>
    /// Checks the data against the disk format, moves it into place and records it, in that
    /// order: the database only calls an image active once its data is durable.
    /// </summary>
    public static async Task ActivateAsync(ImageRecord image, ImageFileWrite write, ImageStore images, ImageFileStore files, TimeProvider clock, string fromStatus, CancellationToken cancellationToken)
    {
        var (virtualSize, error) = DiskInspector.Inspect(write.TemporaryPath, image.DiskFormat ?? "raw");
        if (error is not null)
        {
            files.Discard(write);
            throw ApiFault.BadRequest(error);
        }
        files.Commit(write, image.Id);
        var active = image.Clone();
        active.Status = ImageStatus.Active;
        active.Size = write.Size;
        active.VirtualSize = virtualSize;
        active.Checksum = write.Md5;
        active.OsHashAlgo = "sha512";
        active.OsHashValue = write.Sha512;
        active.UpdatedAt = Now(clock);
        if (!await images.UpdateAsync(active, fromStatus, cancellationToken))
        {
            files.Delete(image.Id);
            throw ApiFault.Conflict($"Image {image.Id} was deleted or changed while its data was being saved.");
        }
    }

    private static async Task<IResult> DownloadAsync(
        string id, HttpContext context, ImageStore images, MemberStore members, ImageFileStore files, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:download_image");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        if (image.Status == ImageStatus.Deactivated && !ImageAccess.IsAdmin(caller))
            throw ApiFault.Forbidden("The requested image has been deactivated. Image data download is forbidden.");
        if (image.Status is not (ImageStatus.Active or ImageStatus.Deactivated) || !files.Exists(id))
            return Results.NoContent();
        if (image.Checksum is not null)
            context.Response.Headers["Content-MD5"] = image.Checksum;
        return TypedResults.PhysicalFile(files.PathOf(id), "application/octet-stream", enableRangeProcessing: true);
    }

    private static string Now(TimeProvider clock) => Timestamps.ToStorage(clock.GetUtcNow());
}
