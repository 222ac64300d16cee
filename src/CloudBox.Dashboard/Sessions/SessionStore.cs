using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using Dapper;

namespace CloudBox.Dashboard.Sessions;

/// <summary>The SQL of <c>dashboard_sessions</c>. Sessions are bounded: past <see cref="MaxSessions"/> the oldest go first.</summary>
internal sealed class SessionStore(Database database, TimeProvider clock)
{
    public const int MaxSessions = 10_000;

    private const string Columns =
        "id_hash AS IdHash, token AS Token, csrf AS Csrf, user_id AS UserId, user_name AS UserName, domain_name AS DomainName, " +
        "project_id AS ProjectId, project_name AS ProjectName, is_admin AS IsAdmin, expires_at AS ExpiresAt, created_at AS CreatedAt";

    /// <summary>The key a cookie value is stored under.</summary>
    public static string Hash(string cookieValue) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(cookieValue)));

    public async Task CreateAsync(DashboardSession session, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO dashboard_sessions (id_hash, token, csrf, user_id, user_name, domain_name, project_id, project_name, is_admin, expires_at, created_at)
            VALUES (@IdHash, @Token, @Csrf, @UserId, @UserName, @DomainName, @ProjectId, @ProjectName, @IsAdmin, @ExpiresAt, @CreatedAt)
            """, session, cancellationToken: cancellationToken));
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM dashboard_sessions", cancellationToken: cancellationToken));
        if (count > MaxSessions)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM dashboard_sessions WHERE id_hash IN (SELECT id_hash FROM dashboard_sessions ORDER BY created_at LIMIT @excess)",
                new { excess = count - MaxSessions }, cancellationToken: cancellationToken));
        }
    }

    /// <summary>The live session for a cookie value; null when unknown or expired.</summary>
    public async Task<DashboardSession?> FindAsync(string cookieValue, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var session = await connection.QuerySingleOrDefaultAsync<DashboardSession>(new CommandDefinition(
            $"SELECT {Columns} FROM dashboard_sessions WHERE id_hash = @id", new { id = Hash(cookieValue) }, cancellationToken: cancellationToken));
        if (session is null) return null;
        return string.CompareOrdinal(session.ExpiresAt, Now()) <= 0 ? null : session;
    }

    public async Task DeleteAsync(string idHash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM dashboard_sessions WHERE id_hash = @idHash", new { idHash }, cancellationToken: cancellationToken));
    }

    /// <summary>Removes expired sessions; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM dashboard_sessions WHERE expires_at <= @now", new { now = Now() }, cancellationToken: cancellationToken));
    }

    private string Now() => Timestamps.ToStorage(clock.GetUtcNow());
}
