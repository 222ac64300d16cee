using CloudBox.Compute.Volumes;
using CloudBox.Core.Compute;
using CloudBox.Core.Ids;
using Dapper;

namespace CloudBox.Compute.Servers;

/// <summary>
/// <see cref="IServerDirectory"/>: the page <c>GET /servers/detail</c> would show a project (same filter, order and
/// marker rule), read with one query, and its volume attachments with one more.
/// </summary>
internal sealed class ServerDirectory(ServerStore servers, ServerVolumes volumes) : IServerDirectory
{
    public async Task<IReadOnlyList<ServerSummary>?> ListAsync(string projectId, int limit, string? marker, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, 1000);
        if (marker is not null && await servers.FindProjectAsync(marker, cancellationToken) != projectId)
            return null;
        var parameters = new DynamicParameters();
        parameters.Add("project", projectId);
        parameters.Add("deleted", false);
        var page = await servers.ListPageAsync("project_id = @project AND deleted = @deleted", parameters, ServerSort.For([], admin: false), limit, marker,
            null, cancellationToken);
        if (page.Count == 0)
            return [];
        IReadOnlyDictionary<string, IReadOnlyList<Core.Volumes.VolumeAttachment>> attachments = volumes.Attachments is { } seam
            ? await seam.ListForServersAsync(page.Select(s => s.Id).ToList(), cancellationToken)
            : new Dictionary<string, IReadOnlyList<Core.Volumes.VolumeAttachment>>();
        var result = new List<ServerSummary>(page.Count);
        foreach (var server in page)
        {
            var attached = attachments.GetValueOrDefault(server.Id);
            result.Add(new ServerSummary(
                server.Id,
                server.ProjectId,
                ServerStates.Status(server.VmState, server.TaskState),
                server.VmState,
                server.TaskState,
                server.KeyName,
                server.AvailabilityZone,
                Timestamps.FromStorage(server.CreatedAt),
                server.LaunchedAt is null ? null : Timestamps.FromStorage(server.LaunchedAt),
                server.Locked,
                server.FlavorId,
                string.IsNullOrEmpty(server.ImageId) ? null : server.ImageId,
                attached is null ? [] : attached.Select(a => a.VolumeId).ToList()));
        }
        return result;
    }
}
