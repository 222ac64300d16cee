using System.Data.Common;
using System.Text;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using Dapper;

namespace CloudBox.Objects.Storage;

/// <summary>
/// The catalog of accounts, containers, objects and multipart uploads. Every change that
/// makes bytes visible or invisible is one transaction together with the blob rows and the
/// container's counters, so listings and totals always agree with what can be read.
/// Blob files replaced or deleted are unlinked only after the commit.
/// </summary>
public sealed class ObjectStore(Database database, BlobStore blobs, TimeProvider clock)
{
    private const string ContainerColumns = "project_id, name, metadata, read_acl, write_acl, versions_location, object_count, bytes_used, created_at";
    private const string ObjectColumns = "project_id, container, name, size, etag, content_type, last_modified, metadata, parts, delete_at, large_object";

    /// <summary>Sorts after every valid name that starts with a given prefix (U+10FFFF is the largest code point).</summary>
    private const string AfterPrefix = "\U0010FFFF";

    private readonly GroupCommit _groupCommit = new(database);

    public Database Database => database;

    // ---- accounts -------------------------------------------------------------------------

    public async Task<Dictionary<string, string>> AccountMetadataAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var json = await connection.ExecuteScalarAsync<string?>("SELECT metadata FROM objects_accounts WHERE project_id = @projectId", new { projectId });
        return json is null ? [] : System.Text.Json.JsonSerializer.Deserialize(json, ObjectsJsonContext.Default.DictionaryStringString) ?? [];
    }

    public async Task SetAccountMetadataAsync(string projectId, Dictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(metadata, ObjectsJsonContext.Default.DictionaryStringString);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO objects_accounts (project_id, metadata, created_at) VALUES (@projectId, @json, @now) ON CONFLICT (project_id) DO UPDATE SET metadata = @json",
            new { projectId, json, now = Now() });
    }

    /// <summary>Containers, objects and bytes of an account.</summary>
    public async Task<(long Containers, long Objects, long Bytes)> AccountTotalsAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var totals = await connection.QuerySingleAsync<(long, long, long)>(
            // SUM of BIGINT is NUMERIC on PostgreSQL; cast back so both engines hand Dapper integers.
            "SELECT COUNT(*), CAST(COALESCE(SUM(object_count), 0) AS BIGINT), CAST(COALESCE(SUM(bytes_used), 0) AS BIGINT) FROM objects_containers WHERE project_id = @projectId",
            new { projectId });
        return totals;
    }

    // ---- containers -----------------------------------------------------------------------

    public async Task<ContainerRecord?> FindContainerAsync(string projectId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ContainerRecord>(
            $"SELECT {ContainerColumns} FROM objects_containers WHERE project_id = @projectId AND name = @name", new { projectId, name });
    }

    /// <summary>Creates the container, or updates it when it exists; true when it was created.</summary>
    public async Task<bool> PutContainerAsync(ContainerRecord container, CancellationToken cancellationToken)
    {
        container.CreatedAt = container.CreatedAt.Length > 0 ? container.CreatedAt : Now();
        await using var connection = await database.OpenAsync(cancellationToken);
        var created = await connection.ExecuteAsync(
            $"INSERT INTO objects_containers ({ContainerColumns}) VALUES (@ProjectId, @Name, @Metadata, @ReadAcl, @WriteAcl, @VersionsLocation, 0, 0, @CreatedAt) ON CONFLICT (project_id, name) DO NOTHING",
            container);
        if (created == 0)
        {
            await connection.ExecuteAsync(
                "UPDATE objects_containers SET metadata = @Metadata, read_acl = @ReadAcl, write_acl = @WriteAcl, versions_location = @VersionsLocation WHERE project_id = @ProjectId AND name = @Name",
                container);
        }
        return created > 0;
    }

    /// <summary>Deletes an empty container; false when it still holds objects.</summary>
    public async Task<bool> DeleteContainerAsync(string projectId, string name, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, ContainerLockKey(projectId, name));
            var objects = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM objects_objects WHERE project_id = @projectId AND container = @name", new { projectId, name }, transaction);
            if (objects > 0)
                return false;
            await connection.ExecuteAsync("DELETE FROM objects_containers WHERE project_id = @projectId AND name = @name", new { projectId, name }, transaction);
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<ListingEntry<ContainerRecord>>> ListContainersAsync(string projectId, ListingQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ListAsync<ContainerRecord>(connection, query, c => c.Name, (marker, batch) =>
        {
            var (sql, args) = RangeSql($"SELECT {ContainerColumns} FROM objects_containers WHERE project_id = @projectId", query, marker, batch);
            args.Add("projectId", projectId);
            return (sql, args);
        });
    }

    // ---- objects --------------------------------------------------------------------------

    public async Task<ObjectRecord?> FindObjectAsync(string projectId, string container, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var found = await connection.QuerySingleOrDefaultAsync<ObjectRecord>(
            $"SELECT {ObjectColumns} FROM objects_objects WHERE project_id = @projectId AND container = @container AND name = @name",
            new { projectId, container, name });
        if (found is null || found.IsExpired(clock.GetUtcNow()))
            return null;
        // A small object is most often read right after it is found: bring its bytes along on
        // this connection rather than opening another for them.
        if (found.PartList() is [var only] && BlobStore.IsInline(only.BlobId))
            found.InlineData = await connection.ExecuteScalarAsync<byte[]?>("SELECT data FROM objects_blobs WHERE blob_id = @BlobId", only);
        return found;
    }

    public async Task<IReadOnlyList<ListingEntry<ObjectRecord>>> ListObjectsAsync(string projectId, string container, ListingQuery query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ListAsync<ObjectRecord>(connection, query, o => o.Name, (marker, batch) =>
        {
            var (sql, args) = RangeSql(
                $"SELECT {ObjectColumns} FROM objects_objects WHERE project_id = @projectId AND container = @container AND (delete_at IS NULL OR delete_at > @now)",
                query, marker, batch);
            args.Add("projectId", projectId);
            args.Add("container", container);
            args.Add("now", now);
            return (sql, args);
        });
    }

    /// <summary>
    /// Makes <paramref name="record"/> visible with the given new blobs, replacing any object of
    /// the same name, in one transaction. Fails with <see cref="ContainerNotFoundException"/> when
    /// the container is gone. Replaced blobs are unlinked after the commit.
    /// </summary>
    public async Task PutObjectAsync(ObjectRecord record, IReadOnlyList<BlobWrite> newBlobs, CancellationToken cancellationToken)
    {
        record.LastModified = record.LastModified.Length > 0 ? record.LastModified : Now();
        var now = Now();
        async Task<IReadOnlyList<string>> Put(DbConnection connection, DbTransaction transaction)
        {
            await database.LockAsync(connection, transaction, ContainerLockKey(record.ProjectId, record.Container));
            var exists = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM objects_containers WHERE project_id = @ProjectId AND name = @Container", record, transaction);
            if (exists == 0)
                throw new ContainerNotFoundException(record.Container);
            foreach (var blob in newBlobs)
                await InsertBlobRowAsync(connection, transaction, blob, now);
            return await WriteObjectRowAsync(connection, transaction, record);
        }
        // SQLite commits one writer at a time, one fsync each: concurrent PUTs share commits.
        var released = database.Engine == DatabaseEngine.Sqlite
            ? await _groupCommit.RunAsync(Put)
            : await database.InTransactionAsync(Put, cancellationToken);
        foreach (var blobId in released)
            blobs.Delete(blobId);
    }

    /// <summary>Replaces an object's metadata (Swift POST); false when there is no such object.</summary>
    public async Task<bool> UpdateObjectMetadataAsync(ObjectRecord record, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE objects_objects SET metadata = @Metadata, content_type = @ContentType, delete_at = @DeleteAt WHERE project_id = @ProjectId AND container = @Container AND name = @Name",
            record) > 0;
    }

    /// <summary>Deletes an object; returns it, or null when there was none.</summary>
    public async Task<ObjectRecord?> DeleteObjectAsync(string projectId, string container, string name, CancellationToken cancellationToken)
    {
        ObjectRecord? deleted = null;
        var released = await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, ContainerLockKey(projectId, container));
            deleted = await connection.QuerySingleOrDefaultAsync<ObjectRecord>(
                $"SELECT {ObjectColumns} FROM objects_objects WHERE project_id = @projectId AND container = @container AND name = @name",
                new { projectId, container, name }, transaction);
            if (deleted is null)
                return (IReadOnlyList<string>)[];
            await connection.ExecuteAsync("DELETE FROM objects_objects WHERE project_id = @projectId AND container = @container AND name = @name",
                new { projectId, container, name }, transaction);
            await connection.ExecuteAsync(
                "UPDATE objects_containers SET object_count = object_count - 1, bytes_used = bytes_used - @size WHERE project_id = @projectId AND name = @container",
                new { size = deleted.Size, projectId, container }, transaction);
            return await ReleaseBlobsAsync(connection, transaction, deleted.PartList(), []);
        }, cancellationToken);
        foreach (var blobId in released)
            blobs.Delete(blobId);
        return deleted is not null && !deleted.IsExpired(clock.GetUtcNow()) ? deleted : null;
    }

    /// <summary>Objects whose <c>X-Delete-At</c> has passed, for the expirer.</summary>
    public async Task<IReadOnlyList<(string ProjectId, string Container, string Name)>> ExpiredObjectsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, string, string)>(
            "SELECT project_id, container, name FROM objects_objects WHERE delete_at IS NOT NULL AND delete_at <= @now ORDER BY delete_at LIMIT @limit",
            new { now = clock.GetUtcNow().ToUnixTimeSeconds(), limit })).AsList();
    }

    /// <summary>
    /// Moves an object to another name (possibly in another container of the account) in one
    /// transaction, keeping its blobs: how versioning archives and restores without copying bytes.
    /// An object already at the target is replaced. False when the source is gone or changed.
    /// </summary>
    public async Task<bool> MoveObjectAsync(ObjectRecord source, string targetContainer, string targetName, CancellationToken cancellationToken)
    {
        var moved = false;
        var released = await database.InTransactionAsync(async (connection, transaction) =>
        {
            // Lock both containers in a fixed order so two moves in opposite directions cannot deadlock.
            foreach (var key in new[] { ContainerLockKey(source.ProjectId, source.Container), ContainerLockKey(source.ProjectId, targetContainer) }.Distinct().Order(StringComparer.Ordinal))
                await database.LockAsync(connection, transaction, key);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM objects_containers WHERE project_id = @ProjectId AND name = @targetContainer",
                    new { source.ProjectId, targetContainer }, transaction) == 0)
                throw new ContainerNotFoundException(targetContainer);
            var current = await connection.QuerySingleOrDefaultAsync<ObjectRecord>(
                $"SELECT {ObjectColumns} FROM objects_objects WHERE project_id = @ProjectId AND container = @Container AND name = @Name", source, transaction);
            if (current is null || current.Parts != source.Parts || current.LastModified != source.LastModified)
                return (IReadOnlyList<string>)[];
            await connection.ExecuteAsync("DELETE FROM objects_objects WHERE project_id = @ProjectId AND container = @Container AND name = @Name", current, transaction);
            await connection.ExecuteAsync(
                "UPDATE objects_containers SET object_count = object_count - 1, bytes_used = bytes_used - @Size WHERE project_id = @ProjectId AND name = @Container",
                current, transaction);
            var target = new ObjectRecord
            {
                ProjectId = current.ProjectId, Container = targetContainer, Name = targetName, Size = current.Size, Etag = current.Etag,
                ContentType = current.ContentType, LastModified = current.LastModified, Metadata = current.Metadata, Parts = current.Parts,
                DeleteAt = current.DeleteAt, LargeObject = current.LargeObject,
            };
            moved = true;
            return await WriteObjectRowAsync(connection, transaction, target);
        }, cancellationToken);
        foreach (var blobId in released)
            blobs.Delete(blobId);
        return moved;
    }

    /// <summary>Every object of every account in key order, a page at a time after <paramref name="after"/>: the auditor's walk.</summary>
    public async Task<IReadOnlyList<ObjectRecord>> ObjectsAfterAsync((string ProjectId, string Container, string Name)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var where = after is null ? "" : """
            WHERE project_id > @p OR (project_id = @p AND (container > @c OR (container = @c AND name > @n)))
            """;
        return (await connection.QueryAsync<ObjectRecord>(
            $"SELECT {ObjectColumns} FROM objects_objects {where} ORDER BY project_id, container, name LIMIT @limit",
            after is { } a ? new { p = a.ProjectId, c = a.Container, n = a.Name, limit } : (object)new { limit })).AsList();
    }

    /// <summary>Whether any row names the blob; the sweeper deletes files for which none does.</summary>
    public async Task<bool> IsBlobReferencedAsync(string blobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM objects_blobs WHERE blob_id = @blobId", new { blobId }) > 0;
    }

    /// <summary>The bytes of an inline blob, or null when no row names it.</summary>
    public async Task<byte[]?> ReadInlineBlobAsync(string blobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<byte[]?>(
            new CommandDefinition("SELECT data FROM objects_blobs WHERE blob_id = @blobId", new { blobId }, cancellationToken: cancellationToken));
    }

    // ---- multipart uploads (S3) -------------------------------------------------------------

    public async Task<string> CreateUploadAsync(string projectId, string container, string name, string contentType, Dictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var uploadId = Guid.NewGuid().ToString("N");
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO objects_uploads (upload_id, project_id, container, name, content_type, metadata, created_at) VALUES (@uploadId, @projectId, @container, @name, @contentType, @metadata, @now)",
            new { uploadId, projectId, container, name, contentType, metadata = System.Text.Json.JsonSerializer.Serialize(metadata, ObjectsJsonContext.Default.DictionaryStringString), now = Now() });
        return uploadId;
    }

    public async Task<UploadRecord?> FindUploadAsync(string projectId, string uploadId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UploadRecord>(
            "SELECT upload_id, project_id, container, name, content_type, metadata, created_at FROM objects_uploads WHERE upload_id = @uploadId AND project_id = @projectId",
            new { uploadId, projectId });
    }

    public async Task<IReadOnlyList<UploadRecord>> ListUploadsAsync(string projectId, string container, string? prefix, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<UploadRecord>(
            """
            SELECT upload_id, project_id, container, name, content_type, metadata, created_at FROM objects_uploads
            WHERE project_id = @projectId AND container = @container AND name >= @prefix AND name < @prefixEnd ORDER BY name, created_at
            """, new { projectId, container, prefix = prefix ?? "", prefixEnd = (prefix ?? "") + AfterPrefix })).AsList();
    }

    /// <summary>Records (or replaces) one part of an upload; a replaced part's blob is unlinked.</summary>
    public async Task PutPartAsync(string uploadId, int partNumber, BlobWrite blob, CancellationToken cancellationToken)
    {
        var now = Now();
        var released = await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "upload:" + uploadId);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM objects_uploads WHERE upload_id = @uploadId", new { uploadId }, transaction) == 0)
                throw new UploadNotFoundException(uploadId);
            var old = await connection.ExecuteScalarAsync<string?>(
                "SELECT blob_id FROM objects_upload_parts WHERE upload_id = @uploadId AND part_number = @partNumber", new { uploadId, partNumber }, transaction);
            await InsertBlobRowAsync(connection, transaction, blob, now);
            await connection.ExecuteAsync(
                """
                INSERT INTO objects_upload_parts (upload_id, part_number, blob_id, size, etag, last_modified) VALUES (@uploadId, @partNumber, @BlobId, @Size, @Md5Hex, @now)
                ON CONFLICT (upload_id, part_number) DO UPDATE SET blob_id = @BlobId, size = @Size, etag = @Md5Hex, last_modified = @now
                """, new { uploadId, partNumber, blob.BlobId, blob.Size, blob.Md5Hex, now }, transaction);
            if (old is null)
                return (IReadOnlyList<string>)[];
            await connection.ExecuteAsync("DELETE FROM objects_blobs WHERE blob_id = @old", new { old }, transaction);
            return [old];
        }, cancellationToken);
        foreach (var blobId in released)
            blobs.Delete(blobId);
    }

    public async Task<IReadOnlyList<UploadPartRecord>> ListPartsAsync(string uploadId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<UploadPartRecord>(
            "SELECT upload_id, part_number, blob_id, size, etag, last_modified FROM objects_upload_parts WHERE upload_id = @uploadId ORDER BY part_number",
            new { uploadId })).AsList();
    }

    /// <summary>
    /// Turns an upload into an object made of the chosen parts, in one transaction: the parts'
    /// blobs become the object's (no copy); parts not chosen are released; the upload is gone.
    /// </summary>
    public async Task CompleteUploadAsync(UploadRecord upload, ObjectRecord record, IReadOnlyList<int> chosenParts, CancellationToken cancellationToken)
    {
        record.LastModified = Now();
        var released = await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, ContainerLockKey(record.ProjectId, record.Container));
            await database.LockAsync(connection, transaction, "upload:" + upload.UploadId);
            var parts = (await connection.QueryAsync<UploadPartRecord>(
                "SELECT upload_id, part_number, blob_id, size, etag, last_modified FROM objects_upload_parts WHERE upload_id = @UploadId", upload, transaction)).ToList();
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM objects_uploads WHERE upload_id = @UploadId", upload, transaction) == 0)
                throw new UploadNotFoundException(upload.UploadId);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM objects_containers WHERE project_id = @ProjectId AND name = @Container", record, transaction) == 0)
                throw new ContainerNotFoundException(record.Container);
            var unused = parts.Where(p => !chosenParts.Contains(p.PartNumber)).Select(p => p.BlobId).ToList();
            await connection.ExecuteAsync("DELETE FROM objects_uploads WHERE upload_id = @UploadId", upload, transaction);
            await connection.ExecuteAsync("DELETE FROM objects_upload_parts WHERE upload_id = @UploadId", upload, transaction);
            foreach (var blobId in unused)
                await connection.ExecuteAsync("DELETE FROM objects_blobs WHERE blob_id = @blobId", new { blobId }, transaction);

            var oldBlobs = await WriteObjectRowAsync(connection, transaction, record);
            return unused.Concat(oldBlobs).ToList();
        }, cancellationToken);
        foreach (var blobId in released)
            blobs.Delete(blobId);
    }

    public async Task AbortUploadAsync(string uploadId, CancellationToken cancellationToken)
    {
        var released = await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "upload:" + uploadId);
            var parts = (await connection.QueryAsync<string>("SELECT blob_id FROM objects_upload_parts WHERE upload_id = @uploadId", new { uploadId }, transaction)).ToList();
            await connection.ExecuteAsync("DELETE FROM objects_upload_parts WHERE upload_id = @uploadId; DELETE FROM objects_uploads WHERE upload_id = @uploadId;", new { uploadId }, transaction);
            foreach (var blobId in parts)
                await connection.ExecuteAsync("DELETE FROM objects_blobs WHERE blob_id = @blobId", new { blobId }, transaction);
            return parts;
        }, cancellationToken);
        foreach (var blobId in released)
            blobs.Delete(blobId);
    }

    // ---- helpers ----------------------------------------------------------------------------

    private string Now() => Timestamps.ToStorage(clock.GetUtcNow());

    private static string ContainerLockKey(string projectId, string container) => $"container:{projectId}/{container}";

    /// <summary>Names a new blob in the database; an inline blob's bytes are stored in the same row.</summary>
    private static Task InsertBlobRowAsync(DbConnection connection, DbTransaction transaction, BlobWrite blob, string now) =>
        connection.ExecuteAsync("INSERT INTO objects_blobs (blob_id, size, created_at, data) VALUES (@BlobId, @Size, @now, @InlineData)",
            new { blob.BlobId, blob.Size, now, blob.InlineData }, transaction);

    /// <summary>
    /// Writes <paramref name="record"/> over whatever object had its name, moves the container's
    /// counters by the difference, and returns the blobs the replaced object no longer needs.
    /// </summary>
    private static async Task<IReadOnlyList<string>> WriteObjectRowAsync(DbConnection connection, DbTransaction transaction, ObjectRecord record)
    {
        var old = await connection.QuerySingleOrDefaultAsync<ObjectRecord>(
            $"SELECT {ObjectColumns} FROM objects_objects WHERE project_id = @ProjectId AND container = @Container AND name = @Name", record, transaction);
        await connection.ExecuteAsync(
            $"""
            INSERT INTO objects_objects ({ObjectColumns}) VALUES (@ProjectId, @Container, @Name, @Size, @Etag, @ContentType, @LastModified, @Metadata, @Parts, @DeleteAt, @LargeObject)
            ON CONFLICT (project_id, container, name) DO UPDATE SET size = @Size, etag = @Etag, content_type = @ContentType, last_modified = @LastModified,
                metadata = @Metadata, parts = @Parts, delete_at = @DeleteAt, large_object = @LargeObject
            """, record, transaction);
        await connection.ExecuteAsync(
            "UPDATE objects_containers SET object_count = object_count + @count, bytes_used = bytes_used + @bytes WHERE project_id = @ProjectId AND name = @Container",
            new { count = old is null ? 1 : 0, bytes = record.Size - (old?.Size ?? 0), record.ProjectId, record.Container }, transaction);
        return old is null ? [] : await ReleaseBlobsAsync(connection, transaction, old.PartList(), record.PartList());
    }

    /// <summary>Drops the blob rows of <paramref name="old"/> that <paramref name="kept"/> does not reuse; returns their ids for unlinking.</summary>
    private static async Task<IReadOnlyList<string>> ReleaseBlobsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<ObjectPart> old, IReadOnlyList<ObjectPart> kept)
    {
        var released = new List<string>();
        foreach (var part in old)
        {
            if (kept.Any(k => k.BlobId == part.BlobId))
                continue;
            await connection.ExecuteAsync("DELETE FROM objects_blobs WHERE blob_id = @BlobId", part, transaction);
            released.Add(part.BlobId);
        }
        return released;
    }

    private static (string Sql, DynamicParameters Args) RangeSql(string select, ListingQuery query, string? marker, int batch)
    {
        var sql = new StringBuilder(select);
        var args = new DynamicParameters();
        if (marker is not null)
        {
            sql.Append(query.Reverse ? " AND name < @marker" : " AND name > @marker");
            args.Add("marker", marker);
        }
        if (query.EndMarker is not null)
        {
            sql.Append(query.Reverse ? " AND name > @endMarker" : " AND name < @endMarker");
            args.Add("endMarker", query.EndMarker);
        }
        if (!string.IsNullOrEmpty(query.Prefix))
        {
            sql.Append(" AND name >= @prefix AND name < @prefixEnd");
            args.Add("prefix", query.Prefix);
            args.Add("prefixEnd", query.Prefix + AfterPrefix);
        }
        sql.Append(query.Reverse ? " ORDER BY name DESC" : " ORDER BY name").Append(" LIMIT @batch");
        args.Add("batch", batch);
        return (sql.ToString(), args);
    }

    /// <summary>
    /// Pages through rows in name order, rolling names that contain the delimiter after the
    /// prefix up into one subdir entry and jumping past the rest of that subdir.
    /// </summary>
    private static async Task<IReadOnlyList<ListingEntry<T>>> ListAsync<T>(DbConnection connection, ListingQuery query, Func<T, string> nameOf,
        Func<string?, int, (string Sql, DynamicParameters Args)> page) where T : class
    {
        var results = new List<ListingEntry<T>>();
        var marker = query.Marker;
        var prefix = query.Prefix ?? "";
        var batch = Math.Min(query.Limit + 1, 1000);
        while (results.Count < query.Limit)
        {
            var (sql, args) = page(marker, batch);
            var rows = (await connection.QueryAsync<T>(sql, args)).AsList();
            if (rows.Count == 0)
                break;
            var jumped = false;
            foreach (var row in rows)
            {
                var name = nameOf(row);
                if (!string.IsNullOrEmpty(query.Delimiter))
                {
                    var cut = name.IndexOf(query.Delimiter, prefix.Length, StringComparison.Ordinal);
                    if (cut >= 0)
                    {
                        var subdir = name[..(cut + query.Delimiter.Length)];
                        results.Add(new ListingEntry<T>(null, subdir));
                        // Skip every other name under this subdir with one new query.
                        marker = query.Reverse ? subdir : subdir + AfterPrefix;
                        jumped = true;
                        break;
                    }
                }
                results.Add(new ListingEntry<T>(row, null));
                marker = name;
                if (results.Count >= query.Limit)
                    break;
            }
            if (!jumped && rows.Count < batch)
                break;
        }
        return results;
    }
}
