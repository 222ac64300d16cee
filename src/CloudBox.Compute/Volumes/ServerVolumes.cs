using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Volumes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Volumes;

/// <summary>
/// Compute's side of volumes: attaches and detaches them (recording the change through
/// <see cref="IVolumeAttachments"/> first, then plugging the disk into a running VM), prepares a
/// boot volume during the build, and lets go of every volume when the server goes. Works without a
/// Volumes module too: then a server simply has no volumes.
/// </summary>
public sealed partial class ServerVolumes(
    IServiceProvider services, InstancePaths paths, VmDefinitions definitions, IHypervisorDriver driver, ComputeSettings settings, ILogger<ServerVolumes> logger)
{
    /// <summary>How long a build waits for its boot volume to be filled from the image.</summary>
    public static readonly TimeSpan BootVolumeTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Said (instance action message) when a VMM cannot change disks of a running VM.</summary>
    public const string AppearsAtHardReboot = "The volume is attached; this VM's hypervisor cannot add disks while it runs, so the disk appears in the guest at the next hard reboot.";

    public IVolumeAttachments? Attachments => services.GetService<IVolumeAttachments>();

    public IVolumeAttachments Required => Attachments ?? throw ApiFault.NotFound("This cloud has no block storage (the Volumes module is not running).");

    public async Task<IReadOnlyList<VolumeAttachment>> ListAsync(string serverId, CancellationToken cancellationToken) =>
        Attachments is { } seam ? await seam.ListForServerAsync(serverId, cancellationToken) : [];

    /// <summary>
    /// Attaches a volume: reserve, record it in use under the next free device name, rewrite the
    /// disk list, then plug it into the running VM. Returns the attachment and, when the VMM could
    /// not plug it live, the message telling the user it appears at the next hard reboot.
    /// </summary>
    public async Task<(VolumeAttachment Attachment, string? Notice)> AttachAsync(ServerRecord server, string volumeId, CallerContext caller, CancellationToken cancellationToken)
    {
        var seam = Required;
        var volume = await seam.FindAsync(volumeId, caller, cancellationToken) ?? throw ApiFault.NotFound($"Volume {volumeId} could not be found.");
        if (volume.ProjectId != server.ProjectId)
            throw ApiFault.BadRequest($"Invalid volume: volume {volumeId} belongs to another project than server {server.Id}.");
        var reserved = await seam.ReserveAsync(volumeId, server.Id, null, false, null, attachNow: true, caller, cancellationToken);
        VolumeAttachment attached;
        try
        {
            var existing = await seam.ListForServerAsync(server.Id, cancellationToken);
            attached = await seam.CompleteAsync(reserved.Id, NextDevice(server, existing), settings.HostName, cancellationToken);
            await WriteLayoutAsync(server.Id, cancellationToken);
        }
        catch
        {
            await seam.RollBackAsync(reserved.Id, CancellationToken.None);
            await WriteLayoutAsync(server.Id, CancellationToken.None);
            throw;
        }

        if (server.VmState != ServerStates.Active)
            return (attached, null); // not running: the disk is in the VM definition at its next start
        var plugged = await driver.AttachDiskAsync(definitions.For(server), new VmDisk(seam.VolumePath(volumeId), volume.ReadOnly, volumeId), cancellationToken);
        switch (plugged.Outcome)
        {
            case HotplugOutcome.Done:
                return (attached, null);
            // A hypervisor without disk hot-plug, or no VM running after all: the attachment stands and the VM opens
            // the disk when it next boots.
            case HotplugOutcome.NoVm or HotplugOutcome.Unsupported:
                LogNoHotPlug(server.Id, volumeId, plugged.Outcome, plugged.Detail);
                return (attached, AppearsAtHardReboot);
            default:
                await seam.BeginDetachAsync(volumeId, server.Id, CancellationToken.None);
                await seam.DetachAsync(attached.Id, CancellationToken.None);
                await WriteLayoutAsync(server.Id, CancellationToken.None);
                throw new ApiFault(500, $"The hypervisor could not add volume {volumeId} to server {server.Id}: {plugged.Detail}".Trim());
        }
    }

    /// <summary>
    /// Starts detaching a data volume, as Nova's API does before it answers 202: the attachment (and
    /// the volume) goes <c>detaching</c>; <see cref="FinishDetachAsync"/> does the rest in the
    /// background. Returns the detaching attachment, or null when it was only reserved (nothing was
    /// in the VM, so it is already gone). The root volume stays.
    /// </summary>
    public async Task<VolumeAttachment?> BeginDetachAsync(ServerRecord server, string volumeId, CancellationToken cancellationToken)
    {
        var seam = Required;
        var attachment = (await seam.ListForServerAsync(server.Id, cancellationToken)).FirstOrDefault(a => a.VolumeId == volumeId)
            ?? throw ApiFault.NotFound($"volume_id not found: {volumeId}");
        if (attachment.BootIndex == 0)
            throw ApiFault.BadRequest("Can't detach root device volume");
        var detaching = await seam.BeginDetachAsync(volumeId, server.Id, cancellationToken);
        if (detaching.Status != "detaching")
        {
            await WriteLayoutAsync(server.Id, cancellationToken);
            return null; // it was only reserved: nothing was in the VM
        }
        return detaching;
    }

    /// <summary>
    /// The rest of a detach (from the request, or resumed at start after a crash): unplug the disk
    /// from the VM if one runs, then the volume is <c>available</c> and the disk list rewritten. A VMM
    /// that cannot take the disk out puts the volume back <c>in-use</c>. Returns the reason it was
    /// put back, or null when the volume was detached (or was no longer attached).
    /// </summary>
    public async Task<string?> FinishDetachAsync(ServerRecord server, string volumeId, CancellationToken cancellationToken)
    {
        var seam = Required;
        // Detaching, or attached again when Volumes' start-up settling put back a detach a crash cut short.
        var attachment = (await seam.ListForServerAsync(server.Id, cancellationToken)).FirstOrDefault(a => a.VolumeId == volumeId && a.Status is "detaching" or "attached");
        if (attachment is null)
            return null;
        // No VM running, or it does not have the disk: nothing holds it any more.
        var unplugged = await driver.DetachDiskAsync(definitions.For(server), volumeId, cancellationToken);
        string? refusal = unplugged.Outcome switch
        {
            HotplugOutcome.Done or HotplugOutcome.NoVm => null,
            HotplugOutcome.Unsupported => $"The hypervisor of server {server.Id} cannot remove disks while the VM runs; stop the server, then detach volume {volumeId}.",
            _ => $"The hypervisor could not remove volume {volumeId} from server {server.Id}: {unplugged.Detail}".Trim(),
        };
        if (refusal is not null)
        {
            if (attachment.Status == "detaching")
                await seam.RollBackDetachAsync(attachment.Id, cancellationToken);
            return refusal;
        }
        await seam.DetachAsync(attachment.Id, cancellationToken);
        await WriteLayoutAsync(server.Id, cancellationToken);
        return null;
    }

    /// <summary>
    /// The build's block-device step: waits for a boot volume still being filled, then marks every
    /// volume reserved for the server in use and writes the disk list. Safe to repeat after a crash.
    /// </summary>
    public async Task PrepareAsync(ServerRecord server, CancellationToken cancellationToken)
    {
        if (Attachments is not { } seam)
            return;
        var attachments = await seam.ListForServerAsync(server.Id, cancellationToken);
        foreach (var attachment in attachments.Where(a => a.Status is "reserved" or "attaching"))
        {
            var volume = await seam.WaitUntilCreatedAsync(attachment.VolumeId, BootVolumeTimeout, cancellationToken);
            if (volume.Status is not ("reserved" or "attaching" or "in-use"))
                throw new DriverException($"Volume {volume.Id} for server {server.Id} is {volume.Status}; it cannot be attached.");
            await seam.CompleteAsync(attachment.Id, attachment.Device ?? NextDevice(server, attachments), settings.HostName, cancellationToken);
        }
        await WriteLayoutAsync(server.Id, cancellationToken);
    }

    /// <summary>The server is going: every volume is detached, and those marked delete_on_termination are deleted.</summary>
    public async Task ReleaseAsync(string serverId, CancellationToken cancellationToken)
    {
        if (Attachments is not { } seam)
            return;
        foreach (var attachment in await seam.ListForServerAsync(serverId, cancellationToken))
        {
            if (attachment.Status is "attached")
                await seam.BeginDetachAsync(attachment.VolumeId, serverId, cancellationToken);
            await seam.DetachAsync(attachment.Id, cancellationToken);
            if (attachment.DeleteOnTermination)
                await seam.DeleteAsync(attachment.VolumeId, cancellationToken);
        }
    }

    /// <summary>Rewrites the server's <c>volumes.json</c> from the attachments that are in use.</summary>
    public async Task WriteLayoutAsync(string serverId, CancellationToken cancellationToken)
    {
        if (Attachments is not { } seam)
            return;
        var attachments = await seam.ListForServerAsync(serverId, cancellationToken);
        ServerDisks.Disk? root = null;
        var data = new List<ServerDisks.Disk>();
        foreach (var attachment in attachments.Where(a => a.Status is "attached" or "detaching"))
        {
            var disk = new ServerDisks.Disk(attachment.VolumeId, seam.VolumePath(attachment.VolumeId), attachment.AttachMode == "ro");
            if (attachment.BootIndex == 0)
                root = disk;
            else
                data.Add(disk);
        }
        ServerDisks.Write(paths, serverId, new ServerDisks.Layout(root, data));
    }

    /// <summary>
    /// The next free <c>/dev/vdX</c>: the guest names virtio disks in the order the VM adds them,
    /// root (vda), then the config drive, then the volumes in attach order.
    /// </summary>
    private string NextDevice(ServerRecord server, IReadOnlyList<VolumeAttachment> existing)
    {
        var taken = existing.Select(a => a.Device).Where(d => d is not null).ToHashSet();
        var letter = File.Exists(paths.ConfigDrive(server.Id)) || server.ConfigDrive ? 'c' : 'b';
        while (taken.Contains($"/dev/vd{letter}"))
            letter++;
        return $"/dev/vd{letter}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Server {ServerId}: the hypervisor did not hot-plug volume {VolumeId} ({Outcome} {Detail}); it appears at the next hard reboot")]
    private partial void LogNoHotPlug(string serverId, string volumeId, HotplugOutcome outcome, string detail);
}
