using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Core.Images;
using CloudBox.Core.Volumes;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Data;
using CloudBox.Volumes.Quotas;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Types;
using CloudBox.Volumes.Volumes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Attachments;

/// <summary>
/// The attach state machine, for Compute (through <see cref="IVolumeAttachments"/>) and for the v3
/// attachments API and volume actions alike. Each method is one transaction on one volume.
/// </summary>
public sealed partial class VolumeAttachmentService(
    AttachmentStore attachments, VolumeStore volumes, VolumeTypeStore types, Admission admission, VolumeFiles files,
    IServiceProvider services, VolumeWorkSignal signal, TimeProvider clock) : IVolumeAttachments
{
    private string Now() => Timestamps.ToStorage(clock.GetUtcNow());

    public async Task<AttachableVolume?> FindAsync(string volumeId, CallerContext caller, CancellationToken cancellationToken)
    {
        var volume = await volumes.FindAsync(volumeId, cancellationToken);
        return volume is null || !VolumesRequest.CanSee(caller, volume.ProjectId) ? null : ToSeam(volume);
    }

    public Task<VolumeAttachment> ReserveAsync(
        string volumeId, string serverId, string? device, bool deleteOnTermination, int? bootIndex, bool attachNow, CallerContext caller, CancellationToken cancellationToken) =>
        CreateAsync(volumeId, serverId, device, attachNow ? AttachmentStatus.Attaching : AttachmentStatus.Reserved, AttachmentStatus.OwnerCompute,
            deleteOnTermination, bootIndex, connector: null, caller, cancellationToken);

    /// <summary>
    /// A new attachment: on an available volume, or, for a multiattach volume, also on one already
    /// attached (reserved, attaching or in-use) to other servers; never twice to the same server.
    /// </summary>
    public async Task<VolumeAttachment> CreateAsync(
        string volumeId, string? serverId, string? device, string status, string owner, bool deleteOnTermination, int? bootIndex, string? connector,
        CallerContext caller, CancellationToken cancellationToken)
    {
        var now = Now();
        var attachment = new AttachmentRecord
        {
            Id = Identifiers.NewUuid(), VolumeId = volumeId, ServerId = serverId, Device = device, Status = status, Owner = owner,
            DeleteOnTermination = deleteOnTermination, BootIndex = bootIndex, Connector = connector, CreatedAt = now, UpdatedAt = now,
        };
        await attachments.ChangeAsync(volumeId, now, async (connection, transaction, volume) =>
        {
            if (!VolumesRequest.CanSee(caller, volume.ProjectId))
                throw ApiFault.NotFound($"Volume {volumeId} could not be found.");
            var existing = await AttachmentStore.ListForVolumeAsync(connection, transaction, volumeId);
            if (existing.Any(a => a.ServerId is not null && a.ServerId == serverId))
                throw ApiFault.BadRequest($"Invalid volume: volume {volumeId} is already attached to server {serverId}.");
            var allowed = volume.Multiattach
                ? volume.Status is VolumeStatus.Available or VolumeStatus.Reserved or VolumeStatus.Attaching or VolumeStatus.InUse
                : volume.Status == VolumeStatus.Available && existing.Count == 0;
            if (!allowed)
            {
                var statuses = volume.Multiattach ? "available, in-use, attaching or reserved" : "available";
                var why = volume.Multiattach ? "" : " (it is not multiattach: use a volume type with multiattach=\"<is> True\" to attach it to several servers)";
                throw ApiFault.BadRequest($"Invalid volume: Volume {volumeId} status must be {statuses}, but the current status is {volume.Status}{why}.");
            }
            attachment.AttachMode = volume.Readonly ? "ro" : "rw";
            await AttachmentStore.InsertAsync(connection, transaction, attachment);
            return true;
        }, cancellationToken);
        return attachment.ToSeam();
    }

    public async Task<VolumeAttachment> CreateFromImageAsync(
        string imageId, int sizeGb, string name, string serverId, string device, bool deleteOnTermination, CallerContext caller, CancellationToken cancellationToken)
    {
        if (caller.ProjectId is null)
            throw ApiFault.Forbidden("Creating volumes needs a project-scoped token.");
        var (minimumGb, metadata) = await ImageVolumeSource.ReadAsync(services.GetRequiredService<IImageSource>(), imageId, caller, cancellationToken);
        if (sizeGb < minimumGb)
            throw ApiFault.BadRequest($"Volume size {sizeGb}GB cannot be smaller than the image ({minimumGb}GB).");
        var type = await types.FindAsync(VolumeTypeRecord.DefaultName, cancellationToken)
            ?? throw new InvalidOperationException("The default volume type is missing.");
        var now = Now();
        var volume = new VolumeRecord
        {
            Id = Identifiers.NewUuid(), ProjectId = caller.ProjectId, UserId = caller.UserId, Name = name, Status = VolumeStatus.Creating,
            SizeGb = sizeGb, RequestedSizeGb = sizeGb, TypeId = type.Id, Bootable = true, ImageId = imageId,
            ImageMetadata = VolumesJson.WriteMap(metadata), CreatedAt = now, UpdatedAt = now,
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

    public async Task<AttachableVolume> WaitUntilCreatedAsync(string volumeId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            var volume = await volumes.FindAsync(volumeId, cancellationToken) ?? throw ApiFault.NotFound($"Volume {volumeId} could not be found.");
            if (volume.Status is VolumeStatus.Error)
                throw new ApiFault(500, $"Volume {volumeId} could not be created: {volume.Fault}");
            if (volume.Status is not VolumeStatus.Creating)
                return ToSeam(volume);
            if (clock.GetUtcNow() > deadline)
                throw new ApiFault(500, $"Volume {volumeId} did not finish creating within {timeout.TotalSeconds:0} seconds.");
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    public async Task<VolumeAttachment> CompleteAsync(string attachmentId, string device, string host, CancellationToken cancellationToken)
    {
        var attachment = await FindOrThrowAsync(attachmentId, cancellationToken);
        var now = Now();
        return await attachments.ChangeAsync(attachment.VolumeId, now, async (connection, transaction, volume) =>
        {
            var current = (await AttachmentStore.ListForVolumeAsync(connection, transaction, volume.Id)).FirstOrDefault(a => a.Id == attachmentId)
                ?? throw ApiFault.NotFound($"Volume attachment {attachmentId} could not be found.");
            if (current.Status == AttachmentStatus.Attached)
                return current.ToSeam();
            if (current.Status is not (AttachmentStatus.Reserved or AttachmentStatus.Attaching))
                throw ApiFault.BadRequest($"Invalid volume: attachment {attachmentId} is {current.Status}, not reserved or attaching.");
            if (volume.Status is not (VolumeStatus.Reserved or VolumeStatus.Attaching or VolumeStatus.InUse))
                throw ApiFault.BadRequest($"Invalid volume: volume {volume.Id} is {volume.Status}; it cannot be attached.");
            current.Status = AttachmentStatus.Attached;
            current.Device = device;
            current.Host = host;
            current.AttachedAt = now;
            current.UpdatedAt = now;
            await AttachmentStore.UpdateAsync(connection, transaction, current);
            return current.ToSeam();
        }, cancellationToken);
    }

    public async Task RollBackAsync(string attachmentId, CancellationToken cancellationToken)
    {
        var attachment = await attachments.FindAsync(attachmentId, cancellationToken);
        if (attachment is null)
            return;
        await attachments.ChangeAsync(attachment.VolumeId, Now(), async (connection, transaction, _) =>
        {
            await AttachmentStore.DeleteAsync(connection, transaction, attachmentId);
            return true;
        }, cancellationToken);
    }

    public async Task<VolumeAttachment> BeginDetachAsync(string volumeId, string serverId, CancellationToken cancellationToken)
    {
        var now = Now();
        return await attachments.ChangeAsync(volumeId, now, async (connection, transaction, volume) =>
        {
            var current = (await AttachmentStore.ListForVolumeAsync(connection, transaction, volumeId)).FirstOrDefault(a => a.ServerId == serverId)
                ?? throw ApiFault.NotFound($"Volume {volumeId} is not attached to server {serverId}.");
            if (current.Status == AttachmentStatus.Detaching)
                throw ApiFault.BadRequest($"Invalid volume: volume {volumeId} is already detaching.");
            if (current.Status != AttachmentStatus.Attached)
            {
                // Never in use: nothing to take out of a VM, the reservation just goes.
                await AttachmentStore.DeleteAsync(connection, transaction, current.Id);
                return current.ToSeam();
            }
            current.Status = AttachmentStatus.Detaching;
            current.UpdatedAt = now;
            await AttachmentStore.UpdateAsync(connection, transaction, current);
            return current.ToSeam();
        }, cancellationToken);
    }

    public async Task RollBackDetachAsync(string attachmentId, CancellationToken cancellationToken)
    {
        var attachment = await attachments.FindAsync(attachmentId, cancellationToken);
        if (attachment is null)
            return;
        var now = Now();
        await attachments.ChangeAsync(attachment.VolumeId, now, async (connection, transaction, _) =>
        {
            await connection.ExecuteAsync("UPDATE volumes_attachments SET status = @attached, updated_at = @now WHERE id = @attachmentId AND status = @detaching",
                new { attached = AttachmentStatus.Attached, now, attachmentId, detaching = AttachmentStatus.Detaching }, transaction);
            return true;
        }, cancellationToken);
    }

    public Task DetachAsync(string attachmentId, CancellationToken cancellationToken) => RollBackAsync(attachmentId, cancellationToken);

    public async Task DeleteAsync(string volumeId, CancellationToken cancellationToken)
    {
        var now = Now();
        var queued = await attachments.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await attachments.Database.LockAsync(connection, transaction, "volumes:volume:" + volumeId);
            var held = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM volumes_attachments WHERE volume_id = @volumeId", new { volumeId }, transaction)
                + await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM volumes_snapshots WHERE volume_id = @volumeId", new { volumeId }, transaction);
            if (held > 0)
                return false;
            return await connection.ExecuteAsync(
                "UPDATE volumes_volumes SET status = @deleting, updated_at = @now WHERE id = @volumeId AND status IN ('available', 'error', 'creating')",
                new { deleting = VolumeStatus.Deleting, now, volumeId }, transaction) == 1;
        }, cancellationToken);
        if (queued)
            signal.Notify();
    }

    public async Task<IReadOnlyList<VolumeAttachment>> ListForServerAsync(string serverId, CancellationToken cancellationToken) =>
        Ordered(await attachments.ListForServersAsync([serverId], cancellationToken));

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<VolumeAttachment>>> ListForServersAsync(IReadOnlyCollection<string> serverIds, CancellationToken cancellationToken)
    {
        var rows = await attachments.ListForServersAsync(serverIds, cancellationToken);
        return rows.GroupBy(r => r.ServerId!).ToDictionary(g => g.Key, g => Ordered(g.ToList()));
    }

    public string VolumePath(string volumeId) => files.VolumePath(volumeId);

    private static IReadOnlyList<VolumeAttachment> Ordered(IReadOnlyList<AttachmentRecord> rows) =>
        rows.OrderBy(r => r.BootIndex == 0 ? 0 : 1).ThenBy(r => r.CreatedAt, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => r.ToSeam()).ToList();

    private async Task<AttachmentRecord> FindOrThrowAsync(string attachmentId, CancellationToken cancellationToken) =>
        await attachments.FindAsync(attachmentId, cancellationToken) ?? throw ApiFault.NotFound($"Volume attachment {attachmentId} could not be found.");

    private static AttachableVolume ToSeam(VolumeRecord volume) =>
        new(volume.Id, volume.ProjectId, volume.Name, volume.Status, volume.SizeGb, volume.Bootable, volume.Readonly, volume.Multiattach,
            VolumesJson.ReadMap(volume.ImageMetadata));
}
