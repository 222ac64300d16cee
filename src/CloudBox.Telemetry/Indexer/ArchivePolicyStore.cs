using System.Collections.Concurrent;
using System.Text.Json;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Data;
using CloudBox.Telemetry.Storage;
using Dapper;

namespace CloudBox.Telemetry.Indexer;

/// <summary>Archive policies (cached: every measure batch needs its metrics' policies).</summary>
internal sealed class ArchivePolicyStore(Database database)
{
    private readonly ConcurrentDictionary<string, ArchivePolicy> _cache = new(StringComparer.Ordinal);

    private sealed class Row
    {
        public string Name { get; set; } = "";
        public long BackWindow { get; set; }
        public string Definition { get; set; } = "";
        public string AggregationMethods { get; set; } = "";
    }

    private static ArchivePolicy ToPolicy(Row row) => new(
        row.Name,
        (int)row.BackWindow,
        [.. JsonSerializer.Deserialize(row.Definition, TelemetryJsonContext.Default.ListStoredPolicyItem)!.Select(i => new ArchivePolicyItem(i.Granularity, i.Points))],
        JsonSerializer.Deserialize(row.AggregationMethods, TelemetryJsonContext.Default.ListString)!);

    private static object Parameters(ArchivePolicy policy) => new
    {
        name = policy.Name,
        back_window = policy.BackWindow,
        definition = JsonSerializer.Serialize([.. policy.Definition.Select(i => new StoredPolicyItem(i.GranularityNs, i.Points))], TelemetryJsonContext.Default.ListStoredPolicyItem),
        methods = JsonSerializer.Serialize([.. policy.AggregationMethods], TelemetryJsonContext.Default.ListString),
    };

    public async Task<IReadOnlyList<ArchivePolicy>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT name, back_window, definition, aggregation_methods FROM telemetry_archive_policies ORDER BY name LIMIT 10000", cancellationToken: cancellationToken));
        return [.. rows.Select(ToPolicy)];
    }

    public async Task<ArchivePolicy?> FindAsync(string name, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(name, out var cached))
            return cached;
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT name, back_window, definition, aggregation_methods FROM telemetry_archive_policies WHERE name = @name", new { name }, cancellationToken: cancellationToken));
        if (row is null)
            return null;
        var policy = ToPolicy(row);
        _cache[name] = policy;
        return policy;
    }

    public async Task<bool> InsertAsync(ArchivePolicy policy, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO telemetry_archive_policies (name, back_window, definition, aggregation_methods) VALUES (@name, @back_window, @definition, @methods)",
                Parameters(policy), cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task UpdateAsync(ArchivePolicy policy, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE telemetry_archive_policies SET back_window = @back_window, definition = @definition, aggregation_methods = @methods WHERE name = @name",
            Parameters(policy), cancellationToken: cancellationToken));
        _cache[policy.Name] = policy;
    }

    /// <summary>Deletes the policy unless a metric or a rule uses it: null when absent, false when in use.</summary>
    public async Task<bool?> DeleteAsync(string name, CancellationToken cancellationToken) =>
        await database.InTransactionAsync<bool?>(async (connection, transaction) =>
        {
            var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM telemetry_archive_policies WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken));
            if (exists == 0)
                return null;
            var used = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT (SELECT COUNT(*) FROM telemetry_metrics WHERE archive_policy_name = @name) + (SELECT COUNT(*) FROM telemetry_archive_policy_rules WHERE archive_policy_name = @name)",
                new { name }, transaction, cancellationToken: cancellationToken));
            if (used > 0)
                return false;
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM telemetry_archive_policies WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken));
            _cache.TryRemove(name, out _);
            return true;
        }, cancellationToken);
}
