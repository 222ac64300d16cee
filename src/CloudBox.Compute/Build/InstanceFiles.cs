using System.Text.Json.Nodes;
using CloudBox.Compute.ConfigDrive;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Core.Images;
using CloudBox.Linux.FileSystem;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Compute.Build;

/// <summary>
/// Lays out a server's instance directory: kernel and initrd copied from the image's
/// <c>kernel_id</c>/<c>ramdisk_id</c> (or read out of the root disk when the image has none), the root disk, and
/// the config drive when asked for.
/// Each step skips what a previous (interrupted) run already finished.
/// </summary>
public sealed class InstanceFiles(InstancePaths paths, IImageSource images, Networking.ServerNetworks networks, Volumes.ServerVolumes volumes, IServiceProvider services)
{
    public async Task PrepareAsync(ServerRecord server, CancellationToken cancellationToken)
    {
        var image = ImageSnapshot.Parse(server.Image);
        Directory.CreateDirectory(paths.DirectoryOf(server.Id));
        if (!image.KernelFromDisk)
        {
            if (string.IsNullOrEmpty(image.KernelId))
                throw new DriverException($"Image {image.Id} has os_boot_mode=direct-kernel but no kernel_id property.");
            await RootDisk.CopyFileAsync(images.DataPath(image.KernelId), paths.Kernel(server.Id), cancellationToken);
            if (!string.IsNullOrEmpty(image.RamdiskId))
                await RootDisk.CopyFileAsync(images.DataPath(image.RamdiskId), paths.Initrd(server.Id), cancellationToken);
        }
        await volumes.PrepareAsync(server, cancellationToken);
        if (string.IsNullOrEmpty(server.ImageId))
        {
            // Booted from a volume: the root disk is the volume's file, which PrepareAsync listed.
            if (Volumes.ServerDisks.Read(paths, server.Id).Root is null)
                throw new DriverException($"Server {server.Id} boots from a volume, but no boot volume is attached to it.");
        }
        else
        {
            var flavorDisk = JsonNode.Parse(server.Flavor)?["disk"]?.GetValue<int>() ?? 0;
            await RootDisk.CreateAsync(images.DataPath(image.Id), image.DiskFormat, paths.RootDisk(server.Id), (long)flavorDisk << 30, cancellationToken);
        }
        if (image.KernelFromDisk)
            await DiskBoot.ReadAsync(server, image, cancellationToken);
        if (server.ConfigDrive)
            await WriteConfigDriveAsync(server, cancellationToken);
    }

    private DiskBootFiles DiskBoot => services.GetRequiredService<DiskBootFiles>();

    /// <summary>
    /// Before a start or hard reboot: a server that boots the kernel in its own disk reads it again, so a kernel the
    /// guest installed (and its new default entry) is the one that boots, as on a real machine.
    /// </summary>
    public async Task RefreshBootFilesAsync(ServerRecord server, CancellationToken cancellationToken)
    {
        var image = ImageSnapshot.Parse(server.Image);
        if (image.KernelFromDisk && File.Exists(Volumes.ServerDisks.RootPath(paths, server.Id)))
            await DiskBoot.ReadAsync(server, image, cancellationToken);
    }

    public async Task WriteConfigDriveAsync(ServerRecord server, CancellationToken cancellationToken)
    {
        var content = new Metadata.MetadataContent(server, await networks.ListAsync(server.Id, cancellationToken));
        var iso = IsoImageWriter.Build("config-2", content.ConfigDriveFiles());
        await AtomicFile.WriteAllBytesAsync(paths.ConfigDrive(server.Id), iso, cancellationToken);
    }

    /// <summary>Removes the boot files and root disk, for a rebuild from another image.</summary>
    public void Reset(string serverId)
    {
        File.Delete(paths.RootDisk(serverId));
        File.Delete(paths.Kernel(serverId));
        File.Delete(paths.Initrd(serverId));
        File.Delete(paths.CommandLine(serverId));
        File.Delete(paths.ConfigDrive(serverId));
    }
}
