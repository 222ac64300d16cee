using CloudBox.Core.Api;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Identity.Regions;

public sealed class RegionStore(Database database)
{
    private const string Columns = "id, description, parent_region_id, created_at";

    public async Task<RegionRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<RegionRecord>($"SELECT {Columns} FROM identity_regions WHERE id = @id", new { id });
    }

    public async Task<RegionRecord> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Could not find region: {id}.");

    public async Task<IReadOnlyList<RegionRecord>> ListAsync(string? parentRegionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<RegionRecord>(
            $"SELECT {Columns} FROM identity_regions WHERE (@parentRegionId IS NULL OR parent_region_id = @parentRegionId) ORDER BY id",
            new { parentRegionId })).AsList();
    }

    public async Task CreateAsync(RegionRecord region, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync($"INSERT INTO identity_regions ({Columns}) VALUES (@Id, @Description, @ParentRegionId, @CreatedAt)", region);
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Conflict occurred attempting to store region - Duplicate ID, {region.Id}.");
        }
    }

    public async Task UpdateAsync(RegionRecord region, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE identity_regions SET description = @Description, parent_region_id = @ParentRegionId WHERE id = @Id", region);
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var inUse = await connection.ExecuteScalarAsync<long>(
            "SELECT (SELECT COUNT(*) FROM identity_regions WHERE parent_region_id = @id) + (SELECT COUNT(*) FROM identity_endpoints WHERE region_id = @id)", new { id });
        if (inUse > 0)
            throw ApiFault.Conflict($"Unable to delete region {id} because it or its child regions have associated endpoints.");
        await connection.ExecuteAsync("DELETE FROM identity_regions WHERE id = @id", new { id });
    }
}
