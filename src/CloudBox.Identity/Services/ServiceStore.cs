using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Identity.Catalog;
using Dapper;

namespace CloudBox.Identity.Services;

public sealed class ServiceStore(Database database, CatalogChanges changes)
{
    private const string Columns = "id, type, name, description, enabled, created_at";

    public async Task<ServiceRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ServiceRecord>($"SELECT {Columns} FROM identity_services WHERE id = @id", new { id });
    }

    public async Task<ServiceRecord> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Could not find service: {id}.");

    public async Task<IReadOnlyList<ServiceRecord>> ListAsync(string? type, string? name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ServiceRecord>(
            $"SELECT {Columns} FROM identity_services WHERE (@type IS NULL OR type = @type) AND (@name IS NULL OR name = @name) ORDER BY type, name, id",
            new { type, name })).AsList();
    }

    public async Task CreateAsync(ServiceRecord service, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync($"INSERT INTO identity_services ({Columns}) VALUES (@Id, @Type, @Name, @Description, @Enabled, @CreatedAt)", service);
        changes.Bump();
    }

    public async Task UpdateAsync(ServiceRecord service, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE identity_services SET type = @Type, name = @Name, description = @Description, enabled = @Enabled WHERE id = @Id", service);
        changes.Bump();
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("DELETE FROM identity_endpoints WHERE service_id = @id; DELETE FROM identity_services WHERE id = @id;", new { id }, transaction);
        }, cancellationToken);
        changes.Bump();
    }
}
