using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Identity.Catalog;
using Dapper;

namespace CloudBox.Identity.Endpoints;

public sealed class EndpointStore(Database database, CatalogChanges changes)
{
    private const string Columns = "id, service_id, interface, region_id, url, enabled, managed, created_at";

    public async Task<EndpointRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<EndpointRecord>($"SELECT {Columns} FROM identity_endpoints WHERE id = @id", new { id });
    }

    public async Task<EndpointRecord> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Could not find endpoint: {id}.");

    public async Task<IReadOnlyList<EndpointRecord>> ListAsync(string? serviceId, string? interfaceName, string? regionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<EndpointRecord>(
            $"""
            SELECT {Columns} FROM identity_endpoints
            WHERE (@serviceId IS NULL OR service_id = @serviceId) AND (@interfaceName IS NULL OR interface = @interfaceName) AND (@regionId IS NULL OR region_id = @regionId)
            ORDER BY service_id, interface, id
            """, new { serviceId, interfaceName, regionId })).AsList();
    }

    public async Task CreateAsync(EndpointRecord endpoint, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"INSERT INTO identity_endpoints ({Columns}) VALUES (@Id, @ServiceId, @Interface, @RegionId, @Url, @Enabled, @Managed, @CreatedAt)", endpoint);
        changes.Bump();
    }

    public async Task UpdateAsync(EndpointRecord endpoint, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE identity_endpoints SET service_id = @ServiceId, interface = @Interface, region_id = @RegionId, url = @Url, enabled = @Enabled, managed = @Managed WHERE id = @Id",
            endpoint);
        changes.Bump();
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM identity_endpoints WHERE id = @id", new { id });
        changes.Bump();
    }
}
