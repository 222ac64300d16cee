using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Telemetry.Alarms;

internal sealed class AlarmStore(Database database)
{
    private const string Columns = "id, project_id, user_id, name, type, state, enabled, definition, state_timestamp, updated_at";

    public async Task InsertAsync(AlarmRecord alarm, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO telemetry_alarms ({Columns}) VALUES (@Id, @ProjectId, @UserId, @Name, @Type, @State, @Enabled, @Definition, @StateTimestamp, @UpdatedAt)",
            alarm, cancellationToken: cancellationToken));
    }

    public async Task UpdateAsync(AlarmRecord alarm, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE telemetry_alarms SET name = @Name, type = @Type, state = @State, enabled = @Enabled, definition = @Definition, state_timestamp = @StateTimestamp, updated_at = @UpdatedAt WHERE id = @Id",
            alarm, cancellationToken: cancellationToken));
    }

    public async Task<AlarmRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<AlarmRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM telemetry_alarms WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Alarms of a project (all for null), at most 10,000.</summary>
    public async Task<IReadOnlyList<AlarmRecord>> ListAsync(string? project, bool enabledOnly, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        if (project is not null)
            where.Add("project_id = @project");
        if (enabledOnly)
            where.Add("enabled = @yes");
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AlarmRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM telemetry_alarms {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY updated_at DESC, id LIMIT 10000",
            new { project, yes = true }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The enabled alarms of one type (event alarms, for each event), at most 10,000.</summary>
    public async Task<IReadOnlyList<AlarmRecord>> ListByTypeAsync(string type, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AlarmRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM telemetry_alarms WHERE type = @type AND enabled = @yes ORDER BY id LIMIT 10000",
            new { type, yes = true }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<int> CountAsync(string? project, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM telemetry_alarms WHERE project_id = @project", new { project }, cancellationToken: cancellationToken));
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM telemetry_alarm_history WHERE alarm_id = @id", new { id }, cancellationToken: cancellationToken));
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM telemetry_alarms WHERE id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
    }

    public async Task AddHistoryAsync(AlarmRecord alarm, string type, JsonObject detail, string timestamp, CancellationToken cancellationToken)
    {
        var severity = JsonNode.Parse(alarm.Definition)?["severity"]?.GetValue<string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO telemetry_alarm_history (event_id, alarm_id, project_id, type, detail, severity, timestamp) VALUES (@eventId, @alarmId, @project, @type, @detail, @severity, @timestamp)",
            new { eventId = Guid.NewGuid().ToString(), alarmId = alarm.Id, project = alarm.ProjectId, type, detail = detail.ToJsonString(), severity, timestamp },
            cancellationToken: cancellationToken));
    }

    public sealed class HistoryRow
    {
        public string EventId { get; set; } = "";
        public string AlarmId { get; set; } = "";
        public string? ProjectId { get; set; }
        public string Type { get; set; } = "";
        public string Detail { get; set; } = "";
        public string? Severity { get; set; }
        public string Timestamp { get; set; } = "";
    }

    public async Task<IReadOnlyList<HistoryRow>> HistoryAsync(string alarmId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition(
            "SELECT event_id, alarm_id, project_id, type, detail, severity, timestamp FROM telemetry_alarm_history WHERE alarm_id = @alarmId ORDER BY timestamp DESC LIMIT @limit",
            new { alarmId, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
