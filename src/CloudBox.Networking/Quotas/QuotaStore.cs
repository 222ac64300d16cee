using System.Data.Common;
using CloudBox.Core.Data;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using Dapper;

namespace CloudBox.Networking.Quotas;

/// <summary>Per-project limits on resources, Neutron's defaults unless an admin set others; -1 is unlimited.</summary>
public sealed class QuotaStore(Database database, ResourceStore store)
{
    public static readonly IReadOnlyDictionary<string, int> Defaults = new Dictionary<string, int>
    {
        ["network"] = 100,
        ["subnet"] = 100,
        ["subnetpool"] = -1,
        ["port"] = 500,
        ["router"] = 10,
        ["floatingip"] = 50,
        ["security_group"] = 10,
        ["security_group_rule"] = 100,
        ["rbac_policy"] = 10,
    };

    public async Task<Dictionary<string, int>> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, projectId);
    }

    public async Task<Dictionary<string, int>> GetAsync(DbConnection connection, DbTransaction? transaction, string projectId)
    {
        var limits = new Dictionary<string, int>(Defaults);
        var rows = await connection.QueryAsync<(string Resource, int HardLimit)>(
            "SELECT resource, hard_limit FROM network_quotas WHERE project_id = @projectId", new { projectId }, transaction);
        foreach (var (resource, limit) in rows)
            limits[resource] = limit;
        return limits;
    }

    /// <summary>Projects with at least one limit set.</summary>
    public async Task<List<string>> ProjectsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT DISTINCT project_id FROM network_quotas ORDER BY project_id")).ToList();
    }

    public async Task SetAsync(string projectId, IReadOnlyDictionary<string, int> limits, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var (resource, limit) in limits)
            {
                await connection.ExecuteAsync("DELETE FROM network_quotas WHERE project_id = @projectId AND resource = @resource",
                    new { projectId, resource }, transaction);
                await connection.ExecuteAsync("INSERT INTO network_quotas (project_id, resource, hard_limit) VALUES (@projectId, @resource, @limit)",
                    new { projectId, resource, limit }, transaction);
            }
        }, cancellationToken);

    public async Task ResetAsync(string projectId, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (connection, transaction) =>
            await connection.ExecuteAsync("DELETE FROM network_quotas WHERE project_id = @projectId", new { projectId }, transaction), cancellationToken);

    /// <summary>
    /// Refuses one more <paramref name="type"/> for the project when it would pass the limit. Runs
    /// in the creating transaction under a per-project lock, so concurrent creates cannot both slip under it.
    /// </summary>
    public async Task CheckAsync(DbConnection connection, DbTransaction transaction, string projectId, ResourceType type)
    {
        if (projectId.Length == 0)
            return; // resources the cloud owns (gateway and floating IP ports) count against nobody
        await database.LockAsync(connection, transaction, "network:quota:" + projectId);
        var limits = await GetAsync(connection, transaction, projectId);
        if (!limits.TryGetValue(type.Singular, out var limit) || limit < 0)
            return;
        var used = await store.CountAsync(connection, transaction, type, projectId);
        if (used >= limit)
            throw NeutronFault.Conflict("OverQuota", $"Quota exceeded for resources: ['{type.Singular}'].");
    }

    /// <summary>How many of each resource the project holds, for <c>/quotas/{id}/details</c>.</summary>
    public async Task<Dictionary<string, int>> UsageAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var usage = new Dictionary<string, int>();
        foreach (var type in ResourceType.All)
            usage[type.Singular] = await store.CountAsync(connection, transaction, type, projectId);
        return usage;
    }
}
