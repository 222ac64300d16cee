using System.Text.Json;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Compute.Flavors;

/// <summary>The <c>compute_flavors</c> and <c>compute_flavor_access</c> tables.</summary>
public sealed class FlavorStore(Database database)
{
    private const string Columns = "id, name, vcpus, ram, disk, ephemeral, swap, rxtx_factor, is_public, description, extra_specs, created_at";

    public async Task<bool> InsertAsync(FlavorRecord flavor, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO compute_flavors ({Columns}) VALUES (@Id, @Name, @Vcpus, @Ram, @Disk, @Ephemeral, @Swap, @RxtxFactor, @IsPublic, @Description, @ExtraSpecs, @CreatedAt)",
                flavor, cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<FlavorRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<FlavorRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM compute_flavors WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM compute_flavors", cancellationToken: cancellationToken));
    }

    /// <summary>Flavors the project may use: public ones and private ones it was given access to; all when <paramref name="all"/>.</summary>
    public async Task<IReadOnlyList<FlavorRecord>> ListAsync(string? projectId, bool all, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = all
            ? $"SELECT {Columns} FROM compute_flavors"
            : $"SELECT {Columns} FROM compute_flavors f WHERE is_public = @yes OR EXISTS (SELECT 1 FROM compute_flavor_access a WHERE a.flavor_id = f.id AND a.project_id = @projectId)";
        var rows = await connection.QueryAsync<FlavorRecord>(new CommandDefinition(sql, new { projectId, yes = true }, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    public async Task<bool> HasAccessAsync(string flavorId, string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM compute_flavor_access WHERE flavor_id = @flavorId AND project_id = @projectId",
            new { flavorId, projectId }, cancellationToken: cancellationToken)) > 0;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM compute_flavors WHERE id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
    }

    public async Task SetDescriptionAsync(string id, string? description, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE compute_flavors SET description = @description WHERE id = @id", new { id, description }, cancellationToken: cancellationToken));
    }

    /// <summary>Changes extra specs under a lock so concurrent edits of one flavor do not lose each other's keys.</summary>
    public Task<Dictionary<string, string>?> UpdateExtraSpecsAsync(string id, Action<Dictionary<string, string>> change, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "compute-flavor:" + id);
            var text = await connection.ExecuteScalarAsync<string?>("SELECT extra_specs FROM compute_flavors WHERE id = @id", new { id }, transaction);
            if (text is null)
                return null;
            var specs = ParseSpecs(text);
            change(specs);
            await connection.ExecuteAsync("UPDATE compute_flavors SET extra_specs = @specs WHERE id = @id",
                new { id, specs = JsonSerializer.Serialize(specs) }, transaction);
            return specs;
        }, cancellationToken);

    public async Task<IReadOnlyList<string>> AccessAsync(string flavorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT project_id FROM compute_flavor_access WHERE flavor_id = @flavorId ORDER BY project_id", new { flavorId }, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    public async Task<bool> AddAccessAsync(string flavorId, string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO compute_flavor_access (flavor_id, project_id) VALUES (@flavorId, @projectId)", new { flavorId, projectId }, cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<bool> RemoveAccessAsync(string flavorId, string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM compute_flavor_access WHERE flavor_id = @flavorId AND project_id = @projectId", new { flavorId, projectId }, cancellationToken: cancellationToken)) > 0;
    }

    public static Dictionary<string, string> ParseSpecs(string text) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(text) ?? [];
}
