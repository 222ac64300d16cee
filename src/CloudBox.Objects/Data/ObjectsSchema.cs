using CloudBox.Core.Data;

namespace CloudBox.Objects.Data;

/// <summary>
/// The tables the Objects module owns. Names sort byte-wise (Swift's and S3's listing order):
/// SQLite compares TEXT as bytes already, PostgreSQL needs the "C" collation.
/// </summary>
internal static class ObjectsSchema
{
    private const string Tables =
        """
        CREATE TABLE objects_accounts (
            project_id TEXT PRIMARY KEY,
            metadata TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );
        CREATE TABLE objects_containers (
            project_id TEXT NOT NULL,
            name TEXT {collate} NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            read_acl TEXT NOT NULL DEFAULT '',
            write_acl TEXT NOT NULL DEFAULT '',
            versions_location TEXT,
            object_count BIGINT NOT NULL DEFAULT 0,
            bytes_used BIGINT NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            PRIMARY KEY (project_id, name)
        );
        CREATE TABLE objects_objects (
            project_id TEXT NOT NULL,
            container TEXT {collate} NOT NULL,
            name TEXT {collate} NOT NULL,
            size BIGINT NOT NULL,
            etag TEXT NOT NULL,
            content_type TEXT NOT NULL,
            last_modified TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            parts TEXT NOT NULL,
            delete_at BIGINT,
            large_object TEXT,
            PRIMARY KEY (project_id, container, name)
        );
        CREATE INDEX objects_objects_delete_at ON objects_objects (delete_at);
        CREATE TABLE objects_uploads (
            upload_id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            container TEXT {collate} NOT NULL,
            name TEXT {collate} NOT NULL,
            content_type TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );
        CREATE TABLE objects_upload_parts (
            upload_id TEXT NOT NULL REFERENCES objects_uploads(upload_id) ON DELETE CASCADE,
            part_number INTEGER NOT NULL,
            blob_id TEXT NOT NULL,
            size BIGINT NOT NULL,
            etag TEXT NOT NULL,
            last_modified TEXT NOT NULL,
            PRIMARY KEY (upload_id, part_number)
        );
        CREATE TABLE objects_blobs (
            blob_id TEXT PRIMARY KEY,
            size BIGINT NOT NULL,
            created_at TEXT NOT NULL
        );
        """;

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "initial schema", Tables.Replace("{collate}", "", StringComparison.Ordinal), Tables.Replace("{collate}", "COLLATE \"C\"", StringComparison.Ordinal)),
        new(2, "small blobs kept inline in their row", "ALTER TABLE objects_blobs ADD COLUMN data BLOB", "ALTER TABLE objects_blobs ADD COLUMN data BYTEA"),
    ];
}
