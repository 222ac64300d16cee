using System.Collections.Concurrent;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using Dapper;

namespace CloudBox.Identity.Tokens;

/// <summary>
/// Revocation by event, as Keystone does for stateless tokens: "every token of user U issued
/// before T", "every token scoped to project P issued before T", "the token with audit id A".
/// Events are written to the database and mirrored in memory, so a check is a few dictionary
/// lookups; <see cref="RefreshAsync"/> picks up events other nodes wrote.
/// </summary>
public sealed class RevocationList(Database database, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _byUser = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _byProject = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _byAuditId = new(StringComparer.Ordinal);
    private string _seenUpTo = "";

    public bool IsRevoked(TokenPayload token)
    {
        if (_byUser.TryGetValue(token.UserId, out var userCutoff) && token.IssuedAt <= userCutoff)
            return true;
        if (token.Scope == TokenScope.Project && token.ScopeId is not null && _byProject.TryGetValue(token.ScopeId, out var projectCutoff) && token.IssuedAt <= projectCutoff)
            return true;
        if (_byAuditId.ContainsKey(token.AuditId))
            return true;
        return token.ParentAuditId is not null && _byAuditId.ContainsKey(token.ParentAuditId);
    }

    public Task RevokeUserAsync(string userId, CancellationToken cancellationToken = default) => RecordAsync(userId, null, null, cancellationToken);

    public Task RevokeProjectAsync(string projectId, CancellationToken cancellationToken = default) => RecordAsync(null, projectId, null, cancellationToken);

    public Task RevokeAuditIdAsync(string auditId, CancellationToken cancellationToken = default) => RecordAsync(null, null, auditId, cancellationToken);

    /// <summary>Loads events not yet seen (all, at start), and forgets those older than any live token.</summary>
    public async Task RefreshAsync(TimeSpan tokenLifetime, CancellationToken cancellationToken = default)
    {
        var oldestRelevant = Timestamps.ToStorage(clock.GetUtcNow() - tokenLifetime - TimeSpan.FromMinutes(5));
        var since = string.CompareOrdinal(_seenUpTo, oldestRelevant) > 0 ? _seenUpTo : oldestRelevant;
        await using var connection = await database.OpenAsync(cancellationToken);
        var events = await connection.QueryAsync<EventRow>(
            "SELECT user_id, project_id, audit_id, issued_before, revoked_at FROM identity_revocation_events WHERE revoked_at >= @since ORDER BY revoked_at",
            new { since });
        foreach (var row in events)
        {
            Apply(row.UserId, row.ProjectId, row.AuditId, Timestamps.FromStorage(row.IssuedBefore));
            if (string.CompareOrdinal(row.RevokedAt, _seenUpTo) > 0)
                _seenUpTo = row.RevokedAt;
        }
        await connection.ExecuteAsync("DELETE FROM identity_revocation_events WHERE revoked_at < @oldestRelevant", new { oldestRelevant });
    }

    private async Task RecordAsync(string? userId, string? projectId, string? auditId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stamp = Timestamps.ToStorage(now);
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync(
                "INSERT INTO identity_revocation_events (id, user_id, project_id, audit_id, issued_before, revoked_at) VALUES (@id, @userId, @projectId, @auditId, @stamp, @stamp)",
                new { id = Identifiers.NewHexId(), userId, projectId, auditId, stamp });
        }
        Apply(userId, projectId, auditId, now);
    }

    private void Apply(string? userId, string? projectId, string? auditId, DateTimeOffset issuedBefore)
    {
        if (userId is not null)
            _byUser.AddOrUpdate(userId, issuedBefore, (_, existing) => existing > issuedBefore ? existing : issuedBefore);
        if (projectId is not null)
            _byProject.AddOrUpdate(projectId, issuedBefore, (_, existing) => existing > issuedBefore ? existing : issuedBefore);
        if (auditId is not null)
            _byAuditId[auditId] = issuedBefore;
    }

    private sealed class EventRow
    {
        public string? UserId { get; set; }
        public string? ProjectId { get; set; }
        public string? AuditId { get; set; }
        public string IssuedBefore { get; set; } = "";
        public string RevokedAt { get; set; } = "";
    }
}
