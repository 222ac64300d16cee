using CloudBox.Core.Data;

namespace CloudBox.Orchestration.Data;

/// <summary>
/// The tables the Orchestration module owns: stacks (with the owner the engine acts for, the
/// template being converged to and the one to roll back to), resources (one row per physical
/// resource, with the stamp recorded before its create call) and events.
/// </summary>
internal static class OrchestrationSchema
{
    private const string Tables =
        """
        CREATE TABLE orchestration_stacks (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            parent_id TEXT,
            template TEXT NOT NULL,
            environment TEXT NOT NULL,
            files TEXT NOT NULL,
            parameters TEXT NOT NULL,
            previous TEXT,
            action TEXT NOT NULL,
            status TEXT NOT NULL,
            status_reason TEXT NOT NULL,
            disable_rollback BOOLEAN NOT NULL,
            timeout_mins INTEGER,
            tags TEXT NOT NULL,
            operation_started_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            deleted_at TEXT
        );
        CREATE INDEX orchestration_stacks_project ON orchestration_stacks (project_id, name);
        CREATE INDEX orchestration_stacks_status ON orchestration_stacks (status);
        CREATE TABLE orchestration_resources (
            id TEXT PRIMARY KEY,
            stack_id TEXT NOT NULL REFERENCES orchestration_stacks(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            physical_id TEXT,
            action TEXT NOT NULL,
            status TEXT NOT NULL,
            status_reason TEXT NOT NULL,
            properties TEXT NOT NULL,
            data TEXT NOT NULL,
            requires TEXT NOT NULL,
            stamp TEXT NOT NULL,
            replaced BOOLEAN NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT
        );
        CREATE INDEX orchestration_resources_stack ON orchestration_resources (stack_id, name);
        """;

    private const string SqliteEvents =
        """
        CREATE TABLE orchestration_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            stack_id TEXT NOT NULL REFERENCES orchestration_stacks(id) ON DELETE CASCADE,
            resource_name TEXT NOT NULL,
            physical_id TEXT NOT NULL,
            resource_type TEXT NOT NULL,
            action TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL,
            event_time TEXT NOT NULL
        );
        CREATE INDEX orchestration_events_stack ON orchestration_events (stack_id, seq);
        """;

    private const string Snapshots =
        """
        CREATE TABLE orchestration_snapshots (
            id TEXT PRIMARY KEY,
            stack_id TEXT NOT NULL REFERENCES orchestration_stacks(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            status_reason TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX orchestration_snapshots_stack ON orchestration_snapshots (stack_id, created_at);
        """;

    private const string SoftwareConfigs =
        """
        CREATE TABLE orchestration_software_configs (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            name TEXT NOT NULL,
            config_group TEXT NOT NULL,
            config TEXT NOT NULL,
            inputs TEXT NOT NULL,
            outputs TEXT NOT NULL,
            options TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX orchestration_software_configs_project ON orchestration_software_configs (project_id, created_at);
        """;

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "stacks, resources and events", Tables + SqliteEvents,
            Tables + SqliteEvents.Replace("seq INTEGER PRIMARY KEY AUTOINCREMENT", "seq BIGSERIAL PRIMARY KEY", StringComparison.Ordinal)),
        new(2, "stack snapshots", Snapshots),
        new(3, "software configs", SoftwareConfigs),
    ];
}
