using System.Text;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Data;

/// <summary>
/// The Network module's tables. Each resource is one row holding its Neutron JSON body, with the
/// columns queries need pulled out (project, parent). IP addresses, MAC addresses and VXLAN ids
/// have tables of their own whose primary keys make concurrent allocation safe.
/// </summary>
public static class NetworkSchema
{
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "resources", ResourceTables()),
        new(2, "allocations", """
            CREATE TABLE network_ip_allocations (
                subnet_id TEXT NOT NULL,
                ip_address TEXT NOT NULL,
                network_id TEXT NOT NULL,
                port_id TEXT NOT NULL,
                PRIMARY KEY (subnet_id, ip_address));
            CREATE INDEX network_ip_allocations_port ON network_ip_allocations (port_id);
            CREATE TABLE network_mac_addresses (
                network_id TEXT NOT NULL,
                mac_address TEXT NOT NULL,
                port_id TEXT NOT NULL,
                PRIMARY KEY (network_id, mac_address));
            CREATE INDEX network_mac_addresses_port ON network_mac_addresses (port_id);
            CREATE TABLE network_segments (
                network_type TEXT NOT NULL,
                segmentation_id INTEGER NOT NULL,
                network_id TEXT NOT NULL,
                PRIMARY KEY (network_type, segmentation_id));
            CREATE TABLE network_quotas (
                project_id TEXT NOT NULL,
                resource TEXT NOT NULL,
                hard_limit INTEGER NOT NULL,
                PRIMARY KEY (project_id, resource));
            """),
    ];

    private static string ResourceTables()
    {
        var sql = new StringBuilder();
        foreach (var type in ResourceType.All)
        {
            sql.Append($"""
                CREATE TABLE {type.Table} (
                    id TEXT PRIMARY KEY,
                    project_id TEXT NOT NULL,
                    parent_id TEXT,
                    created_at TEXT NOT NULL,
                    body TEXT NOT NULL);
                CREATE INDEX {type.Table}_project ON {type.Table} (project_id);
                CREATE INDEX {type.Table}_parent ON {type.Table} (parent_id);

                """);
        }
        return sql.ToString();
    }
}
