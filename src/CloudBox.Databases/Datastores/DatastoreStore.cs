using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using Dapper;

namespace CloudBox.Databases.Datastores;

/// <summary>The <c>databases_datastores</c> and <c>databases_versions</c> tables.</summary>
internal sealed class DatastoreStore(Database database)
{
    private const string VersionColumns = "id, datastore_id, name, manager, image_id, packages, active";

    public async Task<IReadOnlyList<DatastoreRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<DatastoreRecord>(new CommandDefinition(
            "SELECT id, name, default_version_id FROM databases_datastores ORDER BY name", cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>A datastore by id or by name.</summary>
    public async Task<DatastoreRecord?> FindAsync(string idOrName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<DatastoreRecord>(new CommandDefinition(
            "SELECT id, name, default_version_id FROM databases_datastores WHERE id = @idOrName OR name = @idOrName ORDER BY CASE WHEN id = @idOrName THEN 0 ELSE 1 END",
            new { idOrName }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<DatastoreVersionRecord>> VersionsAsync(string? datastoreId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = datastoreId is null
            ? $"SELECT {VersionColumns} FROM databases_versions ORDER BY name"
            : $"SELECT {VersionColumns} FROM databases_versions WHERE datastore_id = @datastoreId ORDER BY name";
        return (await connection.QueryAsync<DatastoreVersionRecord>(new CommandDefinition(sql, new { datastoreId }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>A version by id, or by name within <paramref name="datastoreId"/>.</summary>
    public async Task<DatastoreVersionRecord?> FindVersionAsync(string? datastoreId, string idOrName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<DatastoreVersionRecord>(new CommandDefinition(
            $"SELECT {VersionColumns} FROM databases_versions WHERE id = @idOrName OR (datastore_id = @datastoreId AND name = @idOrName) ORDER BY CASE WHEN id = @idOrName THEN 0 ELSE 1 END",
            new { datastoreId, idOrName }, cancellationToken: cancellationToken));
    }

    /// <summary>Adds a version (and its datastore when new), or updates the version of that name; returns it.</summary>
    public Task<DatastoreVersionRecord> UpsertVersionAsync(VersionCreate request, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "databases-datastores");
            var datastore = await connection.QueryFirstOrDefaultAsync<DatastoreRecord>(
                "SELECT id, name, default_version_id FROM databases_datastores WHERE name = @DatastoreName", request, transaction);
            if (datastore is null)
            {
                datastore = new DatastoreRecord { Id = Identifiers.NewUuid(), Name = request.DatastoreName };
                await connection.ExecuteAsync("INSERT INTO databases_datastores (id, name, default_version_id) VALUES (@Id, @Name, NULL)", datastore, transaction);
            }
            var version = await connection.QueryFirstOrDefaultAsync<DatastoreVersionRecord>(
                $"SELECT {VersionColumns} FROM databases_versions WHERE datastore_id = @datastoreId AND name = @name",
                new { datastoreId = datastore.Id, name = request.Name }, transaction);
            var record = new DatastoreVersionRecord
            {
                Id = version?.Id ?? Identifiers.NewUuid(),
                DatastoreId = datastore.Id,
                Name = request.Name,
                Manager = request.DatastoreManager,
                ImageId = request.Image,
                Packages = request.Packages ?? "",
                Active = request.Active,
            };
            await connection.ExecuteAsync(version is null
                ? $"INSERT INTO databases_versions ({VersionColumns}) VALUES (@Id, @DatastoreId, @Name, @Manager, @ImageId, @Packages, @Active)"
                : "UPDATE databases_versions SET manager = @Manager, image_id = @ImageId, packages = @Packages, active = @Active WHERE id = @Id",
                record, transaction);
            if (request.Default || datastore.DefaultVersionId is null)
                await connection.ExecuteAsync("UPDATE databases_datastores SET default_version_id = @versionId WHERE id = @datastoreId",
                    new { versionId = record.Id, datastoreId = datastore.Id }, transaction);
            return record;
        }, cancellationToken);

    /// <summary>Deletes a version no instance uses; false when it is in use.</summary>
    public Task<bool> DeleteVersionAsync(string versionId, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var used = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM databases_instances WHERE version_id = @versionId", new { versionId }, transaction);
            if (used > 0)
                return false;
            await connection.ExecuteAsync("UPDATE databases_datastores SET default_version_id = NULL WHERE default_version_id = @versionId", new { versionId }, transaction);
            await connection.ExecuteAsync("DELETE FROM databases_versions WHERE id = @versionId", new { versionId }, transaction);
            return true;
        }, cancellationToken);

    /// <summary>The version to use for a request naming a datastore (id or name) and optionally a version; 404/400 otherwise.</summary>
    public async Task<(DatastoreRecord Datastore, DatastoreVersionRecord Version)> ResolveAsync(string? datastore, string? version, CancellationToken cancellationToken)
    {
        DatastoreRecord? store;
        if (datastore is null)
        {
            var all = await ListAsync(cancellationToken);
            store = all.Count == 1 ? all[0] : throw ApiFault.BadRequest("Please specify a datastore: more than one (or none) is available.");
        }
        else
        {
            store = await FindAsync(datastore, cancellationToken) ?? throw ApiFault.NotFound($"Datastore '{datastore}' cannot be found.");
        }
        var versionKey = version ?? store.DefaultVersionId
            ?? throw ApiFault.BadRequest($"Datastore '{store.Name}' has no default version; please specify one.");
        var found = await FindVersionAsync(store.Id, versionKey, cancellationToken);
        if (found is null || found.DatastoreId != store.Id)
            throw ApiFault.NotFound($"Datastore version '{versionKey}' cannot be found.");
        if (!found.Active)
            throw ApiFault.BadRequest($"Datastore version '{found.Name}' is not active.");
        return (store, found);
    }
}
