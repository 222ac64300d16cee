using CloudBox.Core.Api.Auth;

namespace CloudBox.Core.Volumes;

/// <summary>A volume as Compute sees it: enough to attach it, boot from it and show it.</summary>
public sealed record AttachableVolume(
    string Id,
    string ProjectId,
    string? Name,
    string Status,
    int SizeGb,
    bool Bootable,
    bool ReadOnly,
    bool Multiattach,
    IReadOnlyDictionary<string, string> ImageMetadata);

/// <summary>
/// One attachment of a volume to a server. <see cref="Status"/> is Cinder's attach status:
/// <c>reserved</c> (held for the server, not in use yet), <c>attaching</c>, <c>attached</c>,
/// <c>detaching</c>. <see cref="BootIndex"/> 0 marks the server's root disk.
/// </summary>
public sealed record VolumeAttachment(
    string Id,
    string VolumeId,
    string ServerId,
    string? Device,
    string Status,
    string AttachMode,
    bool DeleteOnTermination,
    int? BootIndex,
    string? AttachedAt);

/// <summary>A snapshot of a volume, as Compute records it in an image's <c>block_device_mapping</c>.</summary>
public sealed record VolumeSnapshotRef(string SnapshotId, string VolumeId, int SizeGb);

/// <summary>
/// Volumes for servers (implemented by Volumes, used by Compute), in process. Every transition is
/// one database transaction; errors are <see cref="Api.ApiFault"/>s with the status the Compute
/// API should answer (404 unknown or foreign volume, 400 wrong status, 413 over quota). On start
/// the implementation settles volumes a crash left in <c>attaching</c> or <c>detaching</c>.
/// </summary>
public interface IVolumeAttachments
{
    /// <summary>The volume if <paramref name="caller"/>'s project owns it (or the caller is an admin), else null.</summary>
    Task<AttachableVolume?> FindAsync(string volumeId, CallerContext caller, CancellationToken cancellationToken);

    /// <summary>
    /// Holds a volume for a server: <c>available</c> → <c>attaching</c> (or <c>reserved</c> when
    /// <paramref name="attachNow"/> is false, for a server still to be built). Refused with 400 when
    /// the volume is not available, or already attached and not multiattach.
    /// </summary>
    Task<VolumeAttachment> ReserveAsync(
        string volumeId, string serverId, string? device, bool deleteOnTermination, int? bootIndex, bool attachNow, CallerContext caller, CancellationToken cancellationToken);

    /// <summary>
    /// Boot from volume: creates a volume from an image in the caller's project (quota-checked) and
    /// reserves it for the server in the same transaction; the volume worker then fills it.
    /// </summary>
    Task<VolumeAttachment> CreateFromImageAsync(
        string imageId, int sizeGb, string name, string serverId, string device, bool deleteOnTermination, CallerContext caller, CancellationToken cancellationToken);

    /// <summary>Waits until the volume is no longer <c>creating</c>; 500-style fault when it ended in error or <paramref name="timeout"/> passed.</summary>
    Task<AttachableVolume> WaitUntilCreatedAsync(string volumeId, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The attachment is in use: volume → <c>in-use</c>, attachment → <c>attached</c> with attach time, device and host.</summary>
    Task<VolumeAttachment> CompleteAsync(string attachmentId, string device, string host, CancellationToken cancellationToken);

    /// <summary>Undoes a reservation that never completed: the attachment goes, the volume returns to what its other attachments make it.</summary>
    Task RollBackAsync(string attachmentId, CancellationToken cancellationToken);

    /// <summary><c>in-use</c> → <c>detaching</c> for the volume's attachment to the server; 404 when it is not attached there.</summary>
    Task<VolumeAttachment> BeginDetachAsync(string volumeId, string serverId, CancellationToken cancellationToken);

    /// <summary>Undoes <see cref="BeginDetachAsync"/> (the disk could not be taken out of the VM): back to <c>in-use</c>.</summary>
    Task RollBackDetachAsync(string attachmentId, CancellationToken cancellationToken);

    /// <summary>Ends the attachment: the volume is <c>available</c> again (or stays <c>in-use</c> through its other attachments).</summary>
    Task DetachAsync(string attachmentId, CancellationToken cancellationToken);

    /// <summary>Queues the deletion of a volume whose server is gone (<c>delete_on_termination</c>); only if nothing else holds it.</summary>
    Task DeleteAsync(string volumeId, CancellationToken cancellationToken);

    /// <summary>The server's attachments in every status, root first then by attach order.</summary>
    Task<IReadOnlyList<VolumeAttachment>> ListForServerAsync(string serverId, CancellationToken cancellationToken);

    /// <summary>The attachments of many servers at once (server lists), keyed by server id; servers without any are absent.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<VolumeAttachment>>> ListForServersAsync(IReadOnlyCollection<string> serverIds, CancellationToken cancellationToken);

    /// <summary>The raw file holding the volume's data, for the VMM to open as a disk.</summary>
    string VolumePath(string volumeId);

    /// <summary>
    /// Snapshots a volume even while it is in use (Cinder's <c>force</c>), in the volume's project,
    /// and waits until the snapshot is <c>available</c> (Nova's snapshot of a volume-backed server).
    /// </summary>
    Task<VolumeSnapshotRef> SnapshotAsync(string volumeId, string name, TimeSpan timeout, CallerContext caller, CancellationToken cancellationToken);

    /// <summary>
    /// Boot from a volume snapshot (an image made by snapshotting a volume-backed server): creates a
    /// bootable volume of at least the snapshot's size from it in the caller's project
    /// (quota-checked) and reserves it for the server in the same transaction, as
    /// <see cref="CreateFromImageAsync"/> does for an image.
    /// </summary>
    Task<VolumeAttachment> CreateFromSnapshotAsync(
        string snapshotId, int sizeGb, string name, string serverId, string device, bool deleteOnTermination, CallerContext caller, CancellationToken cancellationToken);
}
