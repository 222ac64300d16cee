using CloudBox.Core.Data;

namespace CloudBox.Databases.Data;

/// <summary>The tables the Databases module owns.</summary>
internal static class DatabasesSchema
{
    private const string Tables =
        """
        CREATE TABLE databases_datastores (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            default_version_id TEXT
        );
        CREATE TABLE databases_versions (
            id TEXT PRIMARY KEY,
            datastore_id TEXT NOT NULL REFERENCES databases_datastores (id),
            name TEXT NOT NULL,
            manager TEXT NOT NULL,
            image_id TEXT NOT NULL,
            packages TEXT NOT NULL,
            active BOOLEAN NOT NULL,
            UNIQUE (datastore_id, name)
        );
        CREATE TABLE databases_instances (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            step TEXT NOT NULL,
            flavor_id TEXT NOT NULL,
            volume_size INTEGER NOT NULL,
            volume_type TEXT,
            version_id TEXT NOT NULL,
            networks TEXT NOT NULL,
            is_public BOOLEAN NOT NULL,
            allowed_cidrs TEXT NOT NULL,
            initial TEXT NOT NULL,
            server_id TEXT,
            volume_id TEXT,
            security_group_id TEXT,
            addresses TEXT NOT NULL,
            agent_secret_hash TEXT NOT NULL,
            agent_secret TEXT,
            heartbeat_at TEXT,
            service_status TEXT,
            root_enabled_at TEXT,
            fault TEXT,
            deadline_at TEXT,
            task_id TEXT,
            version BIGINT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX databases_instances_project ON databases_instances (project_id, created_at);
        CREATE TABLE databases_tasks (
            id TEXT PRIMARY KEY,
            instance_id TEXT NOT NULL,
            seq BIGINT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL,
            result TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX databases_tasks_instance ON databases_tasks (instance_id, state, seq);
        """;

    private const string Backups =
        """
        CREATE TABLE databases_backups (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            version_id TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            status TEXT NOT NULL,
            size BIGINT,
            checksum TEXT,
            location_ref TEXT NOT NULL,
            task_id TEXT,
            fault TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX databases_backups_project ON databases_backups (project_id, created_at);
        CREATE INDEX databases_backups_status ON databases_backups (status);
        """;

    private const string Configurations =
        """
        CREATE TABLE databases_configurations (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            version_id TEXT NOT NULL,
            parameters TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX databases_configurations_project ON databases_configurations (project_id, created_at);
        CREATE TABLE databases_configuration_instances (
            instance_id TEXT PRIMARY KEY,
            configuration_id TEXT NOT NULL REFERENCES databases_configurations (id),
            attached_at TEXT NOT NULL
        );
        CREATE INDEX databases_configuration_instances_configuration ON databases_configuration_instances (configuration_id);
        """;

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "datastores, versions, instances and agent tasks", Tables),
        new(2, "backups", Backups),
        new(3, "configuration groups and the instances they are attached to", Configurations),
    ];
}
