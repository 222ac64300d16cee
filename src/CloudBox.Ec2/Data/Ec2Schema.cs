using CloudBox.Core.Data;

namespace CloudBox.Ec2.Data;

/// <summary>
/// The module's own tables: the EC2 id of each OpenStack resource (stable for its life), tags
/// on EC2 ids, the reservation of each instance, RunInstances client tokens, and the EC2-only
/// resources ec2-api kept in its own database (internet gateways, route tables and their routes
/// and subnet associations), keyed by an id the id map names <c>igw-</c>/<c>rtb-</c>.
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
        new(2, "internet gateways, route tables, routes, subnet associations", """
            CREATE TABLE IF NOT EXISTS ec2_internet_gateways (
                id TEXT NOT NULL PRIMARY KEY,
                project_id TEXT NOT NULL,
                router_id TEXT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ec2_internet_gateways_project ON ec2_internet_gateways (project_id);
            CREATE UNIQUE INDEX IF NOT EXISTS ec2_internet_gateways_router ON ec2_internet_gateways (router_id);
            CREATE TABLE IF NOT EXISTS ec2_route_tables (
                id TEXT NOT NULL PRIMARY KEY,
                project_id TEXT NOT NULL,
                router_id TEXT NOT NULL,
                is_main INTEGER NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ec2_route_tables_project ON ec2_route_tables (project_id);
            CREATE UNIQUE INDEX IF NOT EXISTS ec2_route_tables_main ON ec2_route_tables (router_id) WHERE is_main = 1;
            CREATE TABLE IF NOT EXISTS ec2_routes (
                route_table_id TEXT NOT NULL,
                destination TEXT NOT NULL,
                gateway_id TEXT NULL,
                port_id TEXT NULL,
                PRIMARY KEY (route_table_id, destination)
            );
            CREATE TABLE IF NOT EXISTS ec2_route_associations (
                subnet_id TEXT NOT NULL PRIMARY KEY,
                route_table_id TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ec2_route_associations_table ON ec2_route_associations (route_table_id);
            """),
    ];
}
