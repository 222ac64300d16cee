using CloudBox.Core.Data;

namespace CloudBox.Images.Data;

/// <summary>The tables the Images module owns.</summary>
internal static class ImagesSchema
{
    private const string Tables =
        """
        CREATE TABLE images_images (
            id TEXT PRIMARY KEY,
            name TEXT,
            status TEXT NOT NULL,
            visibility TEXT NOT NULL,
            protected BOOLEAN NOT NULL,
            os_hidden BOOLEAN NOT NULL,
            owner TEXT,
            disk_format TEXT,
            container_format TEXT,
            size BIGINT,
            virtual_size BIGINT,
            checksum TEXT,
            os_hash_algo TEXT,
            os_hash_value TEXT,
            min_disk INTEGER NOT NULL,
            min_ram INTEGER NOT NULL,
            properties TEXT NOT NULL,
            tags TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX images_images_owner ON images_images (owner);
        CREATE TABLE images_members (
            image_id TEXT NOT NULL REFERENCES images_images (id) ON DELETE CASCADE,
            member_id TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (image_id, member_id)
        );
        CREATE INDEX images_members_member ON images_members (member_id);
        CREATE TABLE images_tasks (
            id TEXT PRIMARY KEY,
            image_id TEXT NOT NULL,
            owner TEXT NOT NULL,
            type TEXT NOT NULL,
            status TEXT NOT NULL,
            input TEXT NOT NULL,
            message TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX images_tasks_image ON images_tasks (image_id);
        """;

    public static readonly IReadOnlyList<Migration> Migrations = [new(1, "initial schema", Tables)];
}
