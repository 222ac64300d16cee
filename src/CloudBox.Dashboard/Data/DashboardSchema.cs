using CloudBox.Core.Data;

namespace CloudBox.Dashboard.Data;

/// <summary>
/// The one table the dashboard owns: browser sessions, keyed by the SHA-256 of the cookie value (a stolen
/// database never yields a usable cookie), holding the Keystone token the session acts with.
/// </summary>
internal static class DashboardSchema
{
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "sessions",
            """
            CREATE TABLE dashboard_sessions (
                id_hash TEXT PRIMARY KEY,
                token TEXT NOT NULL,
                csrf TEXT NOT NULL,
                user_id TEXT NOT NULL,
                user_name TEXT NOT NULL,
                domain_name TEXT NOT NULL,
                project_id TEXT NOT NULL,
                project_name TEXT NOT NULL,
                is_admin BOOLEAN NOT NULL,
                expires_at TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX dashboard_sessions_expires_at ON dashboard_sessions (expires_at);
            """),
    ];
}
