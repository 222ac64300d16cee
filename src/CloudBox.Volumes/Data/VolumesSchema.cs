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

    /// <summary>
    /// Attachments of volumes to servers (Cinder's volume_attachment). <c>owner</c> tells an
    /// attachment Compute drives in process from one a v3 API client drives, so that settling after
    /// a crash only undoes the half-done work of this process, never a client's pending attach.
    /// </summary>
    private const string Attachments =
        """
        CREATE TABLE volumes_attachments (
            id TEXT PRIMARY KEY,
            volume_id TEXT NOT NULL,
            server_id TEXT,
            host TEXT,
            device TEXT,
            status TEXT NOT NULL,
            attach_mode TEXT NOT NULL,
            owner TEXT NOT NULL,
            delete_on_termination BOOLEAN NOT NULL,
            boot_index INTEGER,
            connector TEXT,
            created_at TEXT NOT NULL,
            attached_at TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX volumes_attachments_volume ON volumes_attachments (volume_id);
        CREATE INDEX volumes_attachments_server ON volumes_attachments (server_id);
        """;

    /// <summary>Full backups of volumes as files under the data directory; <c>restore_volume_id</c> names the volume a restore is writing.</summary>
    private const string Backups =
        """
        CREATE TABLE volumes_backups (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            volume_id TEXT NOT NULL,
            name TEXT,
            description TEXT,
            status TEXT NOT NULL,
            size_gb INTEGER NOT NULL,
            restore_volume_id TEXT,
            fail_reason TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX volumes_backups_project ON volumes_backups (project_id);
        """;

    /// <summary>
    /// Chunked backups, full or incremental, in the object store or in files: where the chunks are
    /// (<c>backend</c>, <c>container</c>, <c>object_prefix</c>) and what an incremental backup builds
    /// on. Backups made before keep their one raw file (<c>backend</c> 'raw').
    /// </summary>
    private const string ChunkedBackups =
        """
        ALTER TABLE volumes_backups ADD COLUMN backend TEXT NOT NULL DEFAULT 'raw';
        ALTER TABLE volumes_backups ADD COLUMN container TEXT;
        ALTER TABLE volumes_backups ADD COLUMN object_prefix TEXT;
        ALTER TABLE volumes_backups ADD COLUMN object_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE volumes_backups ADD COLUMN parent_id TEXT;
        CREATE INDEX volumes_backups_parent ON volumes_backups (parent_id);
        CREATE INDEX volumes_backups_volume ON volumes_backups (volume_id);
        """;

    /// <summary>Volume transfers (os-volume-transfer): the offer, and a salted hash of its key.</summary>
    private const string Transfers =
        """
        CREATE TABLE volumes_transfers (
            id TEXT PRIMARY KEY,
            volume_id TEXT NOT NULL,
            project_id TEXT NOT NULL,
            name TEXT,
            salt TEXT NOT NULL,
            crypt_hash TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX volumes_transfers_project ON volumes_transfers (project_id);
        CREATE INDEX volumes_transfers_volume ON volumes_transfers (volume_id);
        """;

    /// <summary>Volumes that may be attached to several servers at once (from a multiattach type).</summary>
    private const string Multiattach =
        """
        ALTER TABLE volumes_volumes ADD COLUMN multiattach BOOLEAN NOT NULL DEFAULT FALSE;
        """;

    /// <summary>
    /// Backups of snapshots: <c>snapshot_id</c> names the snapshot whose data was backed up, and
    /// <c>data_timestamp</c> the moment the data is from (the snapshot's creation; null: the backup's own).
    /// </summary>
    private const string SnapshotBackups =
        """
        ALTER TABLE volumes_backups ADD COLUMN snapshot_id TEXT;
        ALTER TABLE volumes_backups ADD COLUMN data_timestamp TEXT;
        """;

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "initial schema", Tables),
        new(2, "volume attachments", Attachments),
        new(3, "volume backups", Backups),
        new(4, "chunked and incremental backups", ChunkedBackups),
        new(5, "volume transfers", Transfers),
        new(6, "multiattach volumes", Multiattach),
        new(7, "backups of snapshots", SnapshotBackups),
    ];
}
