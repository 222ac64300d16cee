using CloudBox.Core.Data;

namespace CloudBox.Telemetry.Data;

/// <summary>
/// The tables the Telemetry module owns: Gnocchi's index (archive policies and rules, resource
/// types, resources, metrics), the write-ahead queue of acknowledged measures, each metric's
/// unaggregated tail and its aggregate splits; Aodh's alarms and their history.
/// </summary>
internal static class TelemetrySchema
{
    private const string Index =
        """
        CREATE TABLE telemetry_archive_policies (
            name TEXT PRIMARY KEY,
            back_window INTEGER NOT NULL,
            definition TEXT NOT NULL,
            aggregation_methods TEXT NOT NULL
        );
        CREATE TABLE telemetry_archive_policy_rules (
            name TEXT PRIMARY KEY,
            metric_pattern TEXT NOT NULL,
            archive_policy_name TEXT NOT NULL REFERENCES telemetry_archive_policies (name)
        );
        CREATE TABLE telemetry_resource_types (
            name TEXT PRIMARY KEY,
            attributes TEXT NOT NULL,
            state TEXT NOT NULL
        );
        CREATE TABLE telemetry_resources (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL REFERENCES telemetry_resource_types (name),
            original_resource_id TEXT NOT NULL,
            project_id TEXT,
            user_id TEXT,
            creator TEXT,
            creator_project_id TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            revision_start TEXT NOT NULL,
            attributes TEXT NOT NULL
        );
        CREATE INDEX telemetry_resources_type ON telemetry_resources (type);
        CREATE INDEX telemetry_resources_project ON telemetry_resources (project_id);
        CREATE TABLE telemetry_metrics (
            id TEXT PRIMARY KEY,
            name TEXT,
            unit TEXT,
            archive_policy_name TEXT NOT NULL REFERENCES telemetry_archive_policies (name),
            resource_id TEXT REFERENCES telemetry_resources (id) ON DELETE CASCADE,
            creator TEXT,
            creator_project_id TEXT
        );
        CREATE UNIQUE INDEX telemetry_metrics_resource_name ON telemetry_metrics (resource_id, name);
        CREATE INDEX telemetry_metrics_policy ON telemetry_metrics (archive_policy_name);
        """;

    private const string StorageSqlite =
        """
        CREATE TABLE telemetry_measure_batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            metrics INTEGER NOT NULL,
            measures INTEGER NOT NULL,
            payload BLOB NOT NULL
        );
        CREATE TABLE telemetry_unaggregated (
            metric_id TEXT PRIMARY KEY,
            data BLOB NOT NULL
        );
        CREATE TABLE telemetry_splits (
            metric_id TEXT NOT NULL,
            granularity BIGINT NOT NULL,
            split_start BIGINT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (metric_id, granularity, split_start)
        );
        """;

    private const string StoragePostgres =
        """
        CREATE TABLE telemetry_measure_batches (
            id BIGSERIAL PRIMARY KEY,
            metrics INTEGER NOT NULL,
            measures INTEGER NOT NULL,
            payload BYTEA NOT NULL
        );
        CREATE TABLE telemetry_unaggregated (
            metric_id TEXT PRIMARY KEY,
            data BYTEA NOT NULL
        );
        CREATE TABLE telemetry_splits (
            metric_id TEXT NOT NULL,
            granularity BIGINT NOT NULL,
            split_start BIGINT NOT NULL,
            data BYTEA NOT NULL,
            PRIMARY KEY (metric_id, granularity, split_start)
        );
        """;

    private const string Alarms =
        """
        CREATE TABLE telemetry_alarms (
            id TEXT PRIMARY KEY,
            project_id TEXT,
            user_id TEXT,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            state TEXT NOT NULL,
            enabled BOOLEAN NOT NULL,
            definition TEXT NOT NULL,
            state_timestamp TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX telemetry_alarms_project ON telemetry_alarms (project_id);
        CREATE TABLE telemetry_alarm_history (
            event_id TEXT PRIMARY KEY,
            alarm_id TEXT NOT NULL,
            project_id TEXT,
            type TEXT NOT NULL,
            detail TEXT NOT NULL,
            severity TEXT,
            timestamp TEXT NOT NULL
        );
        CREATE INDEX telemetry_alarm_history_alarm ON telemetry_alarm_history (alarm_id, timestamp);
        """;

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "gnocchi index", Index),
        new(2, "measure queue and aggregate storage", StorageSqlite, StoragePostgres),
        new(3, "alarms and their history", Alarms),
        new(4, "metrics by name, for Prometheus' pages", "CREATE INDEX telemetry_metrics_name ON telemetry_metrics (name, id);"),
    ];
}
