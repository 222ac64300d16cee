using Dapper;
using CloudBox.Core.Data;

namespace CloudBox.Orchestration.Data;

/// <summary>The SQL of software configs: per project, listed oldest first in pages.</summary>
internal sealed class SoftwareConfigStore(Database database)
{
    private const string Columns = "id, project_id, name, config_group, config, inputs, outputs, options, created_at";

    public async Task InsertAsync(SoftwareConfigRecord config, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO orchestration_software_configs ({Columns}) VALUES (@Id, @ProjectId, @Name, @ConfigGroup, @Config, @Inputs, @Outputs, @Options, @CreatedAt)",
            config, cancellationToken: cancellationToken));
    }

    /// <summary>One config, of <paramref name="projectId"/> unless it is null (an admin's view of all projects).</summary>
    public async Task<SoftwareConfigRecord?> GetAsync(string? projectId, string id, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QuerySingleOrDefaultAsync<SoftwareConfigRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM orchestration_software_configs WHERE id = @id AND (@projectId IS NULL OR project_id = @projectId)",
            new { id, projectId }, cancellationToken: cancellationToken));
    }

    /// <summary>A page (at most <paramref name="limit"/>) after <paramref name="marker"/>, oldest first.</summary>
    public async Task<IReadOnlyList<SoftwareConfigRecord>> ListAsync(string? projectId, string? marker, int limit, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var after = "";
        if (marker is not null)
        {
            var at = await c.QuerySingleOrDefaultAsync<SoftwareConfigRecord>(new CommandDefinition(
                $"SELECT {Columns} FROM orchestration_software_configs WHERE id = @marker", new { marker }, cancellationToken: cancellationToken))
                ?? throw new Api.HeatFault(404, $"The marker software config {marker} could not be found.", "NotFound");
            after = " AND (created_at > @CreatedAt OR (created_at = @CreatedAt AND id > @Id))";
            return (await c.QueryAsync<SoftwareConfigRecord>(new CommandDefinition(
                $"SELECT {Columns} FROM orchestration_software_configs WHERE (@projectId IS NULL OR project_id = @projectId){after} ORDER BY created_at, id LIMIT @limit",
                new { projectId, at.CreatedAt, at.Id, limit }, cancellationToken: cancellationToken))).AsList();
        }
        return (await c.QueryAsync<SoftwareConfigRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM orchestration_software_configs WHERE (@projectId IS NULL OR project_id = @projectId) ORDER BY created_at, id LIMIT @limit",
            new { projectId, limit }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> DeleteAsync(string? projectId, string id, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM orchestration_software_configs WHERE id = @id AND (@projectId IS NULL OR project_id = @projectId)",
            new { id, projectId }, cancellationToken: cancellationToken)) > 0;
    }
}
