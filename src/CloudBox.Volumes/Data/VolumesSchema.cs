using CloudBox.Core.Data;

namespace CloudBox.Volumes.Data;

/// <summary>The tables the Volumes module owns.</summary>
internal static class VolumesSchema
{
    private const string Tables =
        """
        CREATE TABLE volumes_types (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT,
            is_public BOOLEAN NOT NULL,
            extra_specs TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE volumes_volumes (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            name TEXT,
            description TEXT,
            status TEXT NOT NULL,
            size_gb INTEGER NOT NULL,
            requested_size_gb INTEGER NOT NULL,
            type_id TEXT NOT NULL,
            bootable BOOLEAN NOT NULL,
            readonly BOOLEAN NOT NULL,
            snapshot_id TEXT,
            source_volid TEXT,
            image_id TEXT,
            image_metadata TEXT NOT NULL,
            metadata TEXT NOT NULL,
            fault TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX volumes_volumes_project ON volumes_volumes (project_id);
        CREATE TABLE volumes_snapshots (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            volume_id TEXT NOT NULL,
            name TEXT,
            description TEXT,
            status TEXT NOT NULL,
            size_gb INTEGER NOT NULL,
            metadata TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX volumes_snapshots_volume ON volumes_snapshots (volume_id);
        CREATE TABLE volumes_quotas (
            project_id TEXT NOT NULL,
            resource TEXT NOT NULL,
            hard_limit INTEGER NOT NULL,
            PRIMARY KEY (project_id, resource)
        );
        """;

    public static readonly IReadOnlyList<Migration> Migrations = [new(1, "initial schema", Tables)];
}
