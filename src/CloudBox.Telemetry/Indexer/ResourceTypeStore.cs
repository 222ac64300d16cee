using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Telemetry.Indexer;

internal sealed class ResourceTypeStore(Database database)
{
    private sealed class Row
    {
        public string Name { get; set; } = "";
        public string State { get; set; } = "";
        public string Attributes { get; set; } = "";
    }

    private static ResourceType ToType(Row row) => new(row.Name, row.State, JsonNode.Parse(row.Attributes)!.AsObject());

    public async Task<IReadOnlyList<ResourceType>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT name, state, attributes FROM telemetry_resource_types ORDER BY name LIMIT 10000", cancellationToken: cancellationToken));
        return [.. rows.Select(ToType)];
    }

    public async Task<ResourceType?> FindAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT name, state, attributes FROM telemetry_resource_types WHERE name = @name", new { name }, cancellationToken: cancellationToken));
        return row is null ? null : ToType(row);
    }

    public async Task<bool> InsertAsync(ResourceType type, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO telemetry_resource_types (name, state, attributes) VALUES (@Name, @State, @attributes)",
                new { type.Name, type.State, attributes = type.Attributes.ToJsonString() }, cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task UpdateAttributesAsync(string name, JsonObject attributes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE telemetry_resource_types SET attributes = @attributes WHERE name = @name",
            new { name, attributes = attributes.ToJsonString() }, cancellationToken: cancellationToken));
    }

    /// <summary>Deletes a type no resource uses: null when absent, false when in use.</summary>
    public Task<bool?> DeleteAsync(string name, CancellationToken cancellationToken) =>
        database.InTransactionAsync<bool?>(async (connection, transaction) =>
        {
            var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM telemetry_resource_types WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken));
            if (exists == 0)
                return null;
            var used = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM telemetry_resources WHERE type = @name", new { name }, transaction, cancellationToken: cancellationToken));
            if (used > 0)
                return false;
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM telemetry_resource_types WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken));
            return true;
        }, cancellationToken);
}
