using System.Data.Common;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Compute.Quotas;

/// <summary>Per-project limits in <c>compute_quotas</c>, falling back to the defaults; -1 means unlimited.</summary>
public sealed class QuotaStore(Database database, ComputeSettings settings)
{
    public IReadOnlyDictionary<string, int> Defaults => settings.DefaultQuotas;

    public async Task<int> LimitAsync(DbConnection connection, DbTransaction? transaction, string? projectId, string resource)
    {
        var stored = await connection.ExecuteScalarAsync<long?>(
            "SELECT hard_limit FROM compute_quotas WHERE project_id = @projectId AND resource = @resource",
            new { projectId = projectId ?? "", resource }, transaction);
        return stored is { } value ? (int)value : settings.DefaultQuotas.GetValueOrDefault(resource, -1);
    }

    public async Task<Dictionary<string, int>> LimitsAsync(string projectId, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, int>(settings.DefaultQuotas, StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Resource, long HardLimit)>(new CommandDefinition(
            "SELECT resource, hard_limit FROM compute_quotas WHERE project_id = @projectId", new { projectId }, cancellationToken: cancellationToken));
        foreach (var (resource, limit) in rows)
            result[resource] = (int)limit;
        return result;
    }

    public Task SetAsync(string projectId, IReadOnlyDictionary<string, int> limits, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var (resource, limit) in limits)
            {
                await connection.ExecuteAsync("DELETE FROM compute_quotas WHERE project_id = @projectId AND resource = @resource",
                    new { projectId, resource }, transaction);
                await connection.ExecuteAsync("INSERT INTO compute_quotas (project_id, resource, hard_limit) VALUES (@projectId, @resource, @limit)",
                    new { projectId, resource, limit }, transaction);
            }
        }, cancellationToken);

    public async Task DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM compute_quotas WHERE project_id = @projectId", new { projectId }, cancellationToken: cancellationToken));
    }

    /// <summary>What the project's live servers and server groups, and the user's key pairs, use now.</summary>
    public async Task<Dictionary<string, int>> UsageAsync(DbConnection connection, DbTransaction? transaction, string projectId, string? userId)
    {
        var servers = await connection.QuerySingleAsync<(long Count, long Cores, long Ram)>(
            "SELECT COUNT(*), COALESCE(SUM(vcpus), 0), COALESCE(SUM(ram), 0) FROM compute_servers WHERE project_id = @projectId AND deleted = @no",
            new { projectId, no = false }, transaction);
        var keypairs = userId is null ? 0 : await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM compute_keypairs WHERE user_id = @userId", new { userId }, transaction);
        var serverGroups = await ServerGroups.ServerGroupStore.CountAsync(connection, transaction, projectId);
        return new Dictionary<string, int>
        {
            ["server_groups"] = serverGroups,
            ["instances"] = (int)servers.Count,
            ["cores"] = (int)servers.Cores,
            ["ram"] = (int)servers.Ram,
            ["key_pairs"] = (int)keypairs,
        };
    }

    public async Task<Dictionary<string, int>> UsageAsync(string projectId, string? userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await UsageAsync(connection, null, projectId, userId);
    }
}
