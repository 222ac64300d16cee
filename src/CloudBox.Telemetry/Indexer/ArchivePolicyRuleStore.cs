using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Telemetry.Indexer;

internal sealed class ArchivePolicyRuleStore(Database database)
{
    private const string Columns = "name, metric_pattern AS MetricPattern, archive_policy_name AS ArchivePolicyName";

    public async Task<IReadOnlyList<ArchivePolicyRule>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<RuleRow>(new CommandDefinition(
            $"SELECT {Columns} FROM telemetry_archive_policy_rules ORDER BY name LIMIT 10000", cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRule())];
    }

    public async Task<ArchivePolicyRule?> FindAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RuleRow>(new CommandDefinition(
            $"SELECT {Columns} FROM telemetry_archive_policy_rules WHERE name = @name", new { name }, cancellationToken: cancellationToken));
        return row?.ToRule();
    }

    /// <summary>The policy name for a metric called <paramref name="metricName"/>: the longest matching pattern wins.</summary>
    public async Task<string?> PolicyForMetricAsync(string? metricName, CancellationToken cancellationToken)
    {
        var rules = await ListAsync(cancellationToken);
        ArchivePolicyRule? best = null;
        foreach (var rule in rules)
        {
            if (ArchivePolicyRule.Matches(rule.MetricPattern, metricName ?? "")
                && (best is null || rule.MetricPattern.Length > best.MetricPattern.Length))
                best = rule;
        }
        return best?.ArchivePolicyName;
    }

    public async Task<bool> InsertAsync(ArchivePolicyRule rule, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO telemetry_archive_policy_rules (name, metric_pattern, archive_policy_name) VALUES (@Name, @MetricPattern, @ArchivePolicyName)",
                rule, cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<bool> RenameAsync(string name, string newName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE telemetry_archive_policy_rules SET name = @newName WHERE name = @name", new { name, newName }, cancellationToken: cancellationToken)) > 0;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM telemetry_archive_policy_rules WHERE name = @name", new { name }, cancellationToken: cancellationToken)) > 0;
    }

    private sealed class RuleRow
    {
        public string Name { get; set; } = "";
        public string MetricPattern { get; set; } = "";
        public string ArchivePolicyName { get; set; } = "";

        public ArchivePolicyRule ToRule() => new(Name, MetricPattern, ArchivePolicyName);
    }
}
