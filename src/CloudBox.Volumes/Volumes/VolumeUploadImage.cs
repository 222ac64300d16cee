using System.Diagnostics;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Core.Images;
using CloudBox.Linux.FileSystem;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Attachments;
using CloudBox.Volumes.Data;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Types;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Volumes;

/// <summary>
/// <c>os-volume_upload_image</c> (<c>openstack image create --volume</c>): the volume's data becomes a
/// new image in the caller's project, raw as it is or converted to qcow2 by qemu-img. The volume is
/// <c>uploading</c> while its data is read and then returns to its status (available, or in-use when
/// it is attached); a crash meanwhile is settled at the next start by <see cref="UploadSettler"/>.
/// The image is registered whole through <see cref="IImageSource.CreateFromFileAsync"/>, so a crash
/// never leaves an image with half the data.
/// </summary>
public static class VolumeUploadImage
{
    public const string Action = "os-volume_upload_image";

    private static readonly string[] DiskFormats = ["raw", "qcow2"];

    public static async Task<IResult> RunAsync(JsonObject argument, VolumeRecord volume, CallerContext caller, HttpContext context, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        var imageName = VolumesRequest.OptionalString(argument, "image_name") ?? throw ApiFault.BadRequest("os-volume_upload_image needs 'image_name'.");
        var diskFormat = VolumesRequest.OptionalString(argument, "disk_format") ?? "raw";
        var containerFormat = VolumesRequest.OptionalString(argument, "container_format") ?? "bare";
        var force = VolumesRequest.OptionalBool(argument, "force") ?? false;
        var visibility = VolumesRequest.OptionalString(argument, "visibility") ?? "private";
        var isProtected = VolumesRequest.OptionalBool(argument, "protected") ?? false;
        if (!DiskFormats.Contains(diskFormat))
            throw ApiFault.BadRequest($"Invalid disk-format '{diskFormat}': CloudBox uploads volumes as raw or qcow2.");
        if (containerFormat != "bare")
            throw ApiFault.BadRequest($"Invalid container-format '{containerFormat}': CloudBox uploads volumes in the bare container format.");
        if (visibility != "private" || isProtected)
            throw ApiFault.BadRequest("Images made from volumes are private and unprotected; change visibility or protection with the Image API afterwards.");
        var settings = services.GetRequiredService<VolumesSettings>();
        if (diskFormat == "qcow2" && !ToolExists(settings.QemuImg))
            throw ApiFault.BadRequest($"Invalid disk-format 'qcow2': it needs qemu-img ({settings.QemuImg}), which is not installed on this host; upload as raw.");
        if (volume.Status != VolumeStatus.Available && !(force && volume.Status == VolumeStatus.InUse))
            throw ApiFault.BadRequest(volume.Status == VolumeStatus.InUse
                ? $"Invalid volume: Volume {volume.Id} is in-use; uploading an attached volume to an image needs force."
                : $"Invalid volume: Volume status must be available or in-use (with force) to upload it to an image (it is {volume.Status}).");

        var volumes = services.GetRequiredService<VolumeStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var from = volume.Status;
        volume.Status = VolumeStatus.Uploading;
        volume.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (!await volumes.UpdateAsync(volume, from, cancellationToken))
            throw ApiFault.Conflict($"Volume {volume.Id} changed status while the upload was being started; retry.");
        ImageInfo image;
        try
        {
            image = await UploadAsync(volume, imageName, diskFormat, caller, services, cancellationToken);
        }
        finally
        {
            await ReleaseAsync(volume.Id, services.GetRequiredService<AttachmentStore>(), Timestamps.ToStorage(clock.GetUtcNow()));
        }

        var type = await services.GetRequiredService<VolumeTypeStore>().FindAsync(volume.TypeId, cancellationToken);
        var answer = new JsonObject
        {
            ["id"] = volume.Id,
            ["updated_at"] = VolumeJson.Cinder(volume.UpdatedAt),
            ["status"] = VolumeStatus.Uploading,
            ["display_description"] = volume.Description,
            ["size"] = volume.SizeGb,
            ["volume_type"] = type is null ? null : VolumeTypeEndpoints.ToJson(type),
            ["image_id"] = image.Id,
            ["container_format"] = containerFormat,
            ["disk_format"] = diskFormat,
            ["image_name"] = imageName,
        };
        if (Api.VolumeApiVersion.AtLeast(context, "3.1"))
        {
            answer["protected"] = false;
            answer["visibility"] = "private";
        }
        return JsonBody.Node(new JsonObject { [Action] = answer }, StatusCodes.Status202Accepted);
    }

    /// <summary>A point-in-time copy of the volume (a reflink where the file system has them), converted if asked, handed to Images.</summary>
    private static async Task<ImageInfo> UploadAsync(VolumeRecord volume, string imageName, string diskFormat, CallerContext caller, IServiceProvider services, CancellationToken cancellationToken)
    {
        var files = services.GetRequiredService<VolumeFiles>();
        var copy = files.NewTemporaryPath();
        var converted = files.NewTemporaryPath();
        try
        {
            FileCloner.Clone(files.VolumePath(volume.Id), copy);
            var upload = copy;
            if (diskFormat == "qcow2")
            {
                await ConvertAsync(services.GetRequiredService<VolumesSettings>().QemuImg, copy, converted, cancellationToken);
                upload = converted;
            }
            // Cinder hands the volume's image properties on to the new image (without what Glance sets itself).
            var properties = VolumesJson.ReadMap(volume.ImageMetadata)
                .Where(p => !ImageOwnedKeys.Contains(p.Key))
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            return await services.GetRequiredService<IImageSource>().CreateFromFileAsync(imageName, diskFormat, upload, properties, caller, cancellationToken);
        }
        finally
        {
            File.Delete(copy);
            File.Delete(converted);
        }
    }

    /// <summary>Image fields that <c>volume_image_metadata</c> mirrors but Glance keeps as its own.</summary>
    private static readonly HashSet<string> ImageOwnedKeys =
        ["image_id", "image_name", "disk_format", "container_format", "min_disk", "min_ram", "size", "checksum", "volume_id"];

    /// <summary>The volume leaves uploading; its attachments decide between available and in-use. Never cancelled: the volume must not stay uploading.</summary>
    private static async Task ReleaseAsync(string volumeId, AttachmentStore attachments, string now)
    {
        try
        {
            await attachments.ChangeAsync(volumeId, now, (connection, transaction, _) =>
                connection.ExecuteAsync("UPDATE volumes_volumes SET status = @available, updated_at = @now WHERE id = @volumeId AND status = @uploading",
                    new { available = VolumeStatus.Available, now, volumeId, uploading = VolumeStatus.Uploading }, transaction), CancellationToken.None);
        }
        catch (ApiFault fault) when (fault.StatusCode == 404)
        {
            // Deleted meanwhile by an admin's force-delete: nothing to release.
        }
    }

    private static async Task ConvertAsync(string qemuImg, string source, string destination, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(qemuImg) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "convert", "-f", "raw", "-O", "qcow2", source, destination })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img could not be started");
        var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw ApiFault.BadRequest($"qemu-img could not convert the volume to qcow2: {errors.Trim()}");
    }

    /// <summary>Whether the tool can be run: a path that exists, or a name found on PATH.</summary>
    private static bool ToolExists(string tool)
    {
        if (tool.Contains('/'))
            return File.Exists(tool);
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(directory, tool)))
                return true;
        }
        return false;
    }
}
