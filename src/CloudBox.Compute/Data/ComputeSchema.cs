using CloudBox.Core.Data;

namespace CloudBox.Compute.Data;

/// <summary>The tables the Compute module owns.</summary>
internal static class ComputeSchema
{
    private const string Tables =
        """
        CREATE TABLE compute_flavors (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            vcpus INTEGER NOT NULL,
            ram INTEGER NOT NULL,
            disk INTEGER NOT NULL,
            ephemeral INTEGER NOT NULL,
            swap INTEGER NOT NULL,
            rxtx_factor DOUBLE PRECISION NOT NULL,
            is_public BOOLEAN NOT NULL,
            description TEXT,
            extra_specs TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE compute_flavor_access (
            flavor_id TEXT NOT NULL REFERENCES compute_flavors (id) ON DELETE CASCADE,
            project_id TEXT NOT NULL,
            PRIMARY KEY (flavor_id, project_id)
        );
        CREATE TABLE compute_keypairs (
            id INTEGER NOT NULL,
            user_id TEXT NOT NULL,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            public_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (user_id, name)
        );
        CREATE TABLE compute_quotas (
            project_id TEXT NOT NULL,
            resource TEXT NOT NULL,
            hard_limit INTEGER NOT NULL,
            PRIMARY KEY (project_id, resource)
        );
        CREATE TABLE compute_servers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            vm_state TEXT NOT NULL,
            task_state TEXT,
            power_state INTEGER NOT NULL,
            image_id TEXT NOT NULL,
            image TEXT NOT NULL,
            flavor_id TEXT NOT NULL,
            flavor TEXT NOT NULL,
            vcpus INTEGER NOT NULL,
            ram INTEGER NOT NULL,
            disk INTEGER NOT NULL,
            key_name TEXT,
            key_data TEXT,
            metadata TEXT NOT NULL,
            user_data TEXT,
            config_drive BOOLEAN NOT NULL,
            availability_zone TEXT NOT NULL,
            host TEXT,
            locked BOOLEAN NOT NULL,
            locked_by TEXT,
            fault TEXT,
            access_ipv4 TEXT NOT NULL,
            access_ipv6 TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            launched_at TEXT,
            terminated_at TEXT,
            deleted BOOLEAN NOT NULL
        );
        CREATE INDEX compute_servers_project ON compute_servers (project_id, deleted);
        CREATE INDEX compute_servers_updated ON compute_servers (updated_at);
        CREATE INDEX compute_servers_building ON compute_servers (vm_state);
        CREATE TABLE compute_instance_actions (
            request_id TEXT NOT NULL,
            server_id TEXT NOT NULL,
            action TEXT NOT NULL,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            message TEXT,
            start_time TEXT NOT NULL,
            PRIMARY KEY (server_id, request_id)
        );
        """;

    private const string DescriptionsAndTags =
        """
        ALTER TABLE compute_servers ADD COLUMN description TEXT;
        ALTER TABLE compute_servers ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
        """;

    /// <summary>
    /// The server's ports as its VM plugs them (port, tap, MAC), and the claims that make a port
    /// allocated for a server whose row never got written (a crash in between) findable at start.
    /// </summary>
    private const string NetworkInterfaces =
        """
        ALTER TABLE compute_servers ADD COLUMN network_interfaces TEXT NOT NULL DEFAULT '[]';
        CREATE TABLE compute_port_claims (
            server_id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """;

    /// <summary>
    /// Volume detaches accepted (202) and not yet finished: the background unplug and release may be
    /// cut short by a crash, and the next start of this host finishes each one still listed.
    /// </summary>
    private const string VolumeDetaches =
        """
        CREATE TABLE compute_volume_detaches (
            server_id TEXT NOT NULL,
            volume_id TEXT NOT NULL,
            attachment_id TEXT NOT NULL,
            host TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (server_id, volume_id)
        );
        """;

    /// <summary>
    /// Server groups (<c>os-server-groups</c>): one policy each, with rules (2.64's
    /// <c>max_server_per_host</c>) as JSON, and their members, a row per server added with the
    /// <c>group</c> scheduler hint; a member row goes when its server is deleted.
    /// </summary>
    private const string ServerGroups =
        """
        CREATE TABLE compute_server_groups (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            project_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            policy TEXT NOT NULL,
            rules TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX compute_server_groups_project ON compute_server_groups (project_id);
        CREATE TABLE compute_server_group_members (
            group_id TEXT NOT NULL,
            server_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (group_id, server_id)
        );
        CREATE INDEX compute_server_group_members_server ON compute_server_group_members (server_id);
        """;

    /// <summary>What a server whose image has no kernel boots, read from its root disk: kernel, initrds, command line, source, image (JSON).</summary>
    private const string BootFiles =
        """
        ALTER TABLE compute_servers ADD COLUMN boot_files TEXT;
        """;

    /// <summary>A project's servers in Nova's default list order (newest first), so a page is read off the index.</summary>
    private const string ListOrder =
        """
        CREATE INDEX compute_servers_list ON compute_servers (project_id, deleted, created_at, id);
        """;

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "initial schema", Tables),
        new(2, "server descriptions (2.19) and tags (2.26)", DescriptionsAndTags),
        new(3, "server network interfaces and port claims", NetworkInterfaces),
        new(4, "volume detaches in progress", VolumeDetaches),
        new(5, "server groups and their members", ServerGroups),
        new(6, "boot files read from the root disk", BootFiles),
        Consoles.ConsoleSchema.Tokens,
        new(8, "server list order", ListOrder),
    ];
}
