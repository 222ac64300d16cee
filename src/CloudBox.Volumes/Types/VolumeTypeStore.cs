using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Types;

/// <summary>The <c>volumes_types</c> table.</summary>
public sealed class VolumeTypeStore(Database database)
{
    private const string Columns = "id, name, description, is_public, extra_specs, created_at";

    public async Task<IReadOnlyList<VolumeTypeRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VolumeTypeRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_types ORDER BY name", cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>By id or, as clients also send, by name.</summary>
    public async Task<VolumeTypeRecord?> FindAsync(string idOrName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<VolumeTypeRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_types WHERE id = @idOrName OR name = @idOrName ORDER BY CASE WHEN id = @idOrName THEN 0 ELSE 1 END",
            new { idOrName }, cancellationToken: cancellationToken));
    }

    public async Task<bool> InsertAsync(VolumeTypeRecord type, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO volumes_types ({Columns}) VALUES (@Id, @Name, @Description, @IsPublic, @ExtraSpecs, @CreatedAt)", type, cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task UpdateAsync(VolumeTypeRecord type, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes_types SET name = @Name, description = @Description, is_public = @IsPublic, extra_specs = @ExtraSpecs WHERE id = @Id",
            type, cancellationToken: cancellationToken));
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM volumes_types WHERE id = @id", new { id }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> InUseAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM volumes_volumes WHERE type_id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
    }
}
