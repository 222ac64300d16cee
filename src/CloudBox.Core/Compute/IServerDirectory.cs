namespace CloudBox.Core.Compute;

/// <summary>
/// One server as other modules list it in process: the fields the Compute API's detail list shows for state, placement,
/// image, flavor and volumes, without its JSON. <see cref="Status"/> is Nova's status (<c>ACTIVE</c>, <c>SHUTOFF</c>…);
/// <see cref="ImageId"/> is null for a server booted from a volume; <see cref="VolumeIds"/> are its attached volumes in
/// the order Nova's <c>os-extended-volumes:volumes_attached</c> shows them.
/// </summary>
public sealed record ServerSummary(
    string Id,
    string ProjectId,
    string Status,
    string VmState,
    string? TaskState,
    string? KeyName,
    string AvailabilityZone,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LaunchedAt,
    bool Locked,
    string FlavorId,
    string? ImageId,
    IReadOnlyList<string> VolumeIds);

/// <summary>
/// A project's live servers, paged as the Compute API pages <c>GET /servers/detail</c> (newest first, a marker being the
/// last id of the previous page), implemented by Compute with one query for the page and one for its volume
/// attachments. For modules that show servers in another API (EC2) without a round trip through Nova's JSON.
/// </summary>
public interface IServerDirectory
{
    /// <summary>
    /// Up to <paramref name="limit"/> (1..1000) live servers of <paramref name="projectId"/> after <paramref name="marker"/>;
    /// null when the marker is not a server of that project.
    /// </summary>
    Task<IReadOnlyList<ServerSummary>?> ListAsync(string projectId, int limit, string? marker, CancellationToken cancellationToken);
}
