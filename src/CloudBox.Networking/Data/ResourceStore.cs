using System.Data.Common;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using Dapper;

namespace CloudBox.Networking.Data;

/// <summary>
/// Reads and writes resource bodies. Writes take the caller's connection and transaction so a
/// handler can change several resources (a port and its addresses, a router and its ports) at once.
/// </summary>
public sealed class ResourceStore(Database database, TimeProvider clock)
{
    public Database Database => database;

    public string Now() => Timestamps.ToSeconds(clock.GetUtcNow());

    public async Task<JsonObject?> FindAsync(ResourceType type, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return Parse(await connection.QuerySingleOrDefaultAsync<string>($"SELECT body FROM {type.Table} WHERE id = @id", new { id }));
    }

    public async Task<JsonObject?> FindAsync(DbConnection connection, DbTransaction transaction, ResourceType type, string id) =>
        Parse(await connection.QuerySingleOrDefaultAsync<string>($"SELECT body FROM {type.Table} WHERE id = @id", new { id }, transaction));

    /// <summary>Every resource of <paramref name="type"/>, optionally only those under <paramref name="parentId"/>, oldest first.</summary>
    public async Task<List<JsonObject>> ListAsync(ResourceType type, string? parentId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ListAsync(connection, null, type, parentId);
    }

    public async Task<List<JsonObject>> ListAsync(DbConnection connection, DbTransaction? transaction, ResourceType type, string? parentId)
    {
        var sql = $"SELECT body FROM {type.Table}" + (parentId is null ? "" : " WHERE parent_id = @parentId") + " ORDER BY created_at, id";
        var rows = await connection.QueryAsync<string>(sql, new { parentId }, transaction);
        return rows.Select(r => Parse(r)!).ToList();
    }

    /// <summary>
    /// At most <paramref name="limit"/> bodies of <paramref name="type"/>, oldest first, optionally only those whose
    /// compact JSON is <c>LIKE</c> <paramref name="bodyLike"/> (a cheap pre-filter; the caller checks the parsed body).
    /// </summary>
    public async Task<List<string>> ListBodiesAsync(DbConnection connection, ResourceType type, string? bodyLike, int limit, CancellationToken cancellationToken)
    {
        var sql = $"SELECT body FROM {type.Table}" + (bodyLike is null ? "" : " WHERE body LIKE @bodyLike") + " ORDER BY created_at, id LIMIT @limit";
        var rows = await connection.QueryAsync<string>(new CommandDefinition(sql, new { bodyLike, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<List<JsonObject>> ListByProjectAsync(DbConnection connection, DbTransaction? transaction, ResourceType type, string projectId)
    {
        var rows = await connection.QueryAsync<string>(
            $"SELECT body FROM {type.Table} WHERE project_id = @projectId ORDER BY created_at, id", new { projectId }, transaction);
        return rows.Select(r => Parse(r)!).ToList();
    }

    public async Task<int> CountAsync(DbConnection connection, DbTransaction transaction, ResourceType type, string projectId) =>
        await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM {type.Table} WHERE project_id = @projectId", new { projectId }, transaction);

    /// <summary>Stores a new resource, stamping creation time and revision.</summary>
    public async Task InsertAsync(DbConnection connection, DbTransaction transaction, ResourceType type, JsonObject body, string? parentId)
    {
        var now = Now();
        body["created_at"] = now;
        body["updated_at"] = now;
        body["revision_number"] = 0;
        await connection.ExecuteAsync(
            $"INSERT INTO {type.Table} (id, project_id, parent_id, created_at, body) VALUES (@id, @projectId, @parentId, @createdAt, @body)",
            new
            {
                id = body["id"]!.GetValue<string>(),
                projectId = body["project_id"]?.GetValue<string>() ?? "",
                parentId,
                createdAt = Timestamps.ToStorage(clock.GetUtcNow()),
                body = body.ToJsonString(),
            }, transaction);
    }

    /// <summary>Replaces a resource's body, bumping its revision as Neutron does on every change.</summary>
    public async Task UpdateAsync(DbConnection connection, DbTransaction transaction, ResourceType type, JsonObject body)
    {
        body["updated_at"] = Now();
        body["revision_number"] = (body["revision_number"]?.GetValue<int>() ?? 0) + 1;
        await connection.ExecuteAsync($"UPDATE {type.Table} SET body = @body WHERE id = @id",
            new { id = body["id"]!.GetValue<string>(), body = body.ToJsonString() }, transaction);
    }

    public async Task DeleteAsync(DbConnection connection, DbTransaction transaction, ResourceType type, string id) =>
        await connection.ExecuteAsync($"DELETE FROM {type.Table} WHERE id = @id", new { id }, transaction);

    private static JsonObject? Parse(string? body) => body is null ? null : JsonNode.Parse(body) as JsonObject;
}
