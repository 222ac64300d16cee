using CloudBox.Core.Data;

namespace CloudBox.Identity.Data;

/// <summary>The tables the Identity module owns. Timestamps are ISO-8601 UTC text (see Core's Timestamps).</summary>
internal static class IdentitySchema
{
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "initial schema",
            """
            CREATE TABLE identity_domains (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                description TEXT NOT NULL DEFAULT '',
                enabled BOOLEAN NOT NULL,
                extra TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL
            );
            CREATE TABLE identity_projects (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                domain_id TEXT NOT NULL REFERENCES identity_domains(id),
                parent_id TEXT REFERENCES identity_projects(id),
                description TEXT NOT NULL DEFAULT '',
                enabled BOOLEAN NOT NULL,
                extra TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL,
                UNIQUE (domain_id, name)
            );
            CREATE INDEX identity_projects_parent ON identity_projects (parent_id);
            CREATE TABLE identity_project_tags (
                project_id TEXT NOT NULL REFERENCES identity_projects(id) ON DELETE CASCADE,
                tag TEXT NOT NULL,
                PRIMARY KEY (project_id, tag)
            );
            CREATE TABLE identity_users (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                domain_id TEXT NOT NULL REFERENCES identity_domains(id),
                enabled BOOLEAN NOT NULL,
                password_hash TEXT,
                password_changed_at TEXT,
                default_project_id TEXT,
                description TEXT NOT NULL DEFAULT '',
                email TEXT NOT NULL DEFAULT '',
                extra TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL,
                UNIQUE (domain_id, name)
            );
            CREATE TABLE identity_groups (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                domain_id TEXT NOT NULL REFERENCES identity_domains(id),
                description TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                UNIQUE (domain_id, name)
            );
            CREATE TABLE identity_group_members (
                group_id TEXT NOT NULL REFERENCES identity_groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
                PRIMARY KEY (group_id, user_id)
            );
            CREATE INDEX identity_group_members_user ON identity_group_members (user_id);
            CREATE TABLE identity_roles (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                domain_id TEXT REFERENCES identity_domains(id),
                description TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL
            );
            CREATE UNIQUE INDEX identity_roles_name ON identity_roles (name, COALESCE(domain_id, ''));
            CREATE TABLE identity_implied_roles (
                prior_role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
                implied_role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
                PRIMARY KEY (prior_role_id, implied_role_id)
            );
            CREATE TABLE identity_assignments (
                actor_type TEXT NOT NULL,
                actor_id TEXT NOT NULL,
                target_type TEXT NOT NULL,
                target_id TEXT NOT NULL,
                role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
                inherited BOOLEAN NOT NULL,
                PRIMARY KEY (actor_type, actor_id, target_type, target_id, role_id, inherited)
            );
            CREATE INDEX identity_assignments_target ON identity_assignments (target_type, target_id);
            CREATE INDEX identity_assignments_actor ON identity_assignments (actor_id);
            CREATE TABLE identity_regions (
                id TEXT PRIMARY KEY,
                description TEXT NOT NULL DEFAULT '',
                parent_region_id TEXT REFERENCES identity_regions(id),
                created_at TEXT NOT NULL
            );
            CREATE TABLE identity_services (
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                name TEXT NOT NULL DEFAULT '',
                description TEXT NOT NULL DEFAULT '',
                enabled BOOLEAN NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE TABLE identity_endpoints (
                id TEXT PRIMARY KEY,
                service_id TEXT NOT NULL REFERENCES identity_services(id) ON DELETE CASCADE,
                interface TEXT NOT NULL,
                region_id TEXT REFERENCES identity_regions(id),
                url TEXT NOT NULL,
                enabled BOOLEAN NOT NULL,
                managed BOOLEAN NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE TABLE identity_application_credentials (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                user_id TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
                project_id TEXT NOT NULL REFERENCES identity_projects(id) ON DELETE CASCADE,
                secret_hash TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                expires_at TEXT,
                unrestricted BOOLEAN NOT NULL,
                role_ids TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (user_id, name)
            );
            CREATE TABLE identity_credentials (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
                project_id TEXT,
                type TEXT NOT NULL,
                encrypted_blob TEXT NOT NULL,
                access_key TEXT UNIQUE,
                created_at TEXT NOT NULL
            );
            CREATE INDEX identity_credentials_user ON identity_credentials (user_id);
            CREATE TABLE identity_revocation_events (
                id TEXT PRIMARY KEY,
                user_id TEXT,
                project_id TEXT,
                audit_id TEXT,
                issued_before TEXT NOT NULL,
                revoked_at TEXT NOT NULL
            );
            CREATE INDEX identity_revocation_events_revoked ON identity_revocation_events (revoked_at);
            """),
        new(2, "password lockout counters",
            """
            ALTER TABLE identity_users ADD COLUMN failed_auth_count INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE identity_users ADD COLUMN failed_auth_at TEXT;
            """),
    ];
}
