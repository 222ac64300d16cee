using CloudBox.Core.Data;
using CloudBox.Core.Objects;
using Dapper;

namespace CloudBox.Objects.Modules;

/// <summary>Every container's object count and bytes (kept by the object store as objects change) for Telemetry's storage meters.</summary>
internal sealed class ObjectStoreUsage(Database database) : IObjectStoreUsage
{
    public async Task<IReadOnlyList<ContainerUsage>> ListAsync(string afterProject, string afterContainer, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string ProjectId, string Name, long Objects, long Bytes)>(new CommandDefinition(
            "SELECT project_id, name, object_count, bytes_used FROM objects_containers " +
            "WHERE project_id > @afterProject OR (project_id = @afterProject AND name > @afterContainer) ORDER BY project_id, name LIMIT @limit",
            new { afterProject, afterContainer, limit = Math.Clamp(limit, 1, 10_000) }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new ContainerUsage(r.ProjectId, r.Name, r.Objects, r.Bytes))];
    }
}
