using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Core.Volumes;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Snapshots;
using CloudBox.Volumes.Types;
using CloudBox.Volumes.Volumes;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Attachments;

/// <summary>
/// The snapshot half of <see cref="IVolumeAttachments"/>: Nova's snapshot of a volume-backed server
/// and booting from it, on the same records, admission and worker as the v3 snapshot and
/// volume-from-snapshot APIs, so what Nova makes is an ordinary Cinder snapshot and volume.
/// </summary>
public sealed partial class VolumeAttachmentService
{
    private SnapshotStore Snapshots => services.GetRequiredService<SnapshotStore>();

    public async Task<VolumeSnapshotRef> SnapshotAsync(string volumeId, string name, TimeSpan timeout, CallerContext caller, CancellationToken cancellationToken)
    {
        var volume = await volumes.FindAsync(volumeId, cancellationToken);
        if (volume is null || !VolumesRequest.CanSee(caller, volume.ProjectId))
            throw ApiFault.NotFound($"Volume {volumeId} could not be found.");
        if (volume.Status is not (VolumeStatus.Available or VolumeStatus.InUse))
            throw ApiFault.BadRequest($"Invalid volume: Volume {volumeId} status must be available or in-use (it is {volume.Status}).");
        var now = Now();
        var snapshot = new SnapshotRecord
        {
            Id = Identifiers.NewUuid(), ProjectId = volume.ProjectId, UserId = caller.UserId, VolumeId = volume.Id, Name = name,
            Status = SnapshotStatus.Creating, SizeGb = volume.SizeGb, CreatedAt = now, UpdatedAt = now,
        };
        await admission.AdmitSnapshotAsync(snapshot, cancellationToken);
        signal.Notify();
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            var current = await Snapshots.FindAsync(snapshot.Id, cancellationToken) ?? throw ApiFault.NotFound($"Snapshot {snapshot.Id} could not be found.");
            if (current.Status == SnapshotStatus.Available)
                return new VolumeSnapshotRef(snapshot.Id, volume.Id, volume.SizeGb);
            if (current.Status != SnapshotStatus.Creating)
                throw new ApiFault(500, $"Snapshot {snapshot.Id} of volume {volumeId} is {current.Status}.");
            if (clock.GetUtcNow() > deadline)
                throw new ApiFault(500, $"Snapshot {snapshot.Id} of volume {volumeId} did not finish within {timeout.TotalSeconds:0} seconds.");
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    public async Task<VolumeAttachment> CreateFromSnapshotAsync(
        string snapshotId, int sizeGb, string name, string serverId, string device, bool deleteOnTermination, CallerContext caller, CancellationToken cancellationToken)
    {
        if (caller.ProjectId is null)
            throw ApiFault.Forbidden("Creating volumes needs a project-scoped token.");
        var snapshot = await Snapshots.FindAsync(snapshotId, cancellationToken);
        if (snapshot is null || !VolumesRequest.CanSee(caller, snapshot.ProjectId))
            throw ApiFault.BadRequest($"Block Device Mapping is Invalid: failed to get snapshot {snapshotId}.");
        if (snapshot.Status != SnapshotStatus.Available)
            throw ApiFault.BadRequest($"Invalid snapshot: Originating snapshot status must be one of 'available' values (it is {snapshot.Status}).");
        sizeGb = Math.Max(sizeGb, snapshot.SizeGb);
        var source = await volumes.FindAsync(snapshot.VolumeId, cancellationToken);
        var type = await types.FindAsync(VolumeTypeRecord.DefaultName, cancellationToken)
            ?? throw new InvalidOperationException("The default volume type is missing.");
        var now = Now();
        var volume = new VolumeRecord
        {
            Id = Identifiers.NewUuid(), ProjectId = caller.ProjectId, UserId = caller.UserId, Name = name, Status = VolumeStatus.Creating,
            SizeGb = sizeGb, RequestedSizeGb = sizeGb, TypeId = source?.TypeId ?? type.Id, Bootable = true, SnapshotId = snapshot.Id,
            ImageMetadata = source?.ImageMetadata ?? "{}", CreatedAt = now, UpdatedAt = now,
        };
        var attachment = new AttachmentRecord
        {
            Id = Identifiers.NewUuid(), VolumeId = volume.Id, ServerId = serverId, Device = device, Status = AttachmentStatus.Reserved,
            Owner = AttachmentStatus.OwnerCompute, DeleteOnTermination = deleteOnTermination, BootIndex = 0, CreatedAt = now, UpdatedAt = now,
        };
        await admission.AdmitVolumeAsync(volume, sizeGb, cancellationToken, (connection, transaction) => AttachmentStore.InsertAsync(connection, transaction, attachment));
        signal.Notify();
        return attachment.ToSeam();
    }
}
