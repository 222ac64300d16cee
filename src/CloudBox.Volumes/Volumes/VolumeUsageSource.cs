using CloudBox.Core.Data;
using CloudBox.Core.Volumes;
using Dapper;

namespace CloudBox.Volumes.Volumes;

/// <summary>Every volume for Telemetry's <c>volume.size</c> meter, a page at a time by id.</summary>
internal sealed class VolumeUsageSource(Database database) : IVolumeUsage
{
    public async Task<IReadOnlyList<VolumeUsage>> ListAsync(string after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string ProjectId, string UserId, string? Name, string Status, int SizeGb)>(new CommandDefinition(
            "SELECT id, project_id, user_id, name, status, size_gb FROM volumes_volumes WHERE id > @after ORDER BY id LIMIT @limit",
            new { after, limit = Math.Clamp(limit, 1, 10_000) }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new VolumeUsage(r.Id, r.ProjectId, r.UserId, r.Name, r.Status, r.SizeGb))];
    }
}
