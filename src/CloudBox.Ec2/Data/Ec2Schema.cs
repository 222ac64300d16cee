using CloudBox.Core.Data;

namespace CloudBox.Ec2.Data;

/// <summary>
/// The module's own tables: the EC2 id of each OpenStack resource (stable for its life), tags
/// on EC2 ids, the reservation of each instance, and RunInstances client tokens.
/// </summary>
internal static class Ec2Schema
{
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "ids, tags, reservations, client tokens, VPCs", """
            CREATE TABLE IF NOT EXISTS ec2_ids (
                ec2_id TEXT NOT NULL PRIMARY KEY,
                kind TEXT NOT NULL,
                os_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (kind, os_id)
            );
            CREATE TABLE IF NOT EXISTS ec2_tags (
                project_id TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                tag_key TEXT NOT NULL,
                tag_value TEXT NOT NULL,
                PRIMARY KEY (project_id, resource_id, tag_key)
            );
            CREATE INDEX IF NOT EXISTS ec2_tags_key ON ec2_tags (project_id, tag_key);
            CREATE TABLE IF NOT EXISTS ec2_instances (
                os_id TEXT NOT NULL PRIMARY KEY,
                project_id TEXT NOT NULL,
                reservation_id TEXT NOT NULL,
                launch_index INTEGER NOT NULL,
                client_token TEXT NULL
            );
            CREATE INDEX IF NOT EXISTS ec2_instances_reservation ON ec2_instances (reservation_id);
            CREATE TABLE IF NOT EXISTS ec2_client_tokens (
                project_id TEXT NOT NULL,
                client_token TEXT NOT NULL,
                request_digest TEXT NOT NULL,
                reservation_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (project_id, client_token)
            );
            CREATE TABLE IF NOT EXISTS ec2_vpcs (
                router_id TEXT NOT NULL PRIMARY KEY,
                project_id TEXT NOT NULL,
                cidr TEXT NOT NULL,
                is_default INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ec2_vpcs_project ON ec2_vpcs (project_id);
            """),
    ];
}
