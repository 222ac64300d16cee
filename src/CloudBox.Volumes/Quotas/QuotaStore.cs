using System.Data.Common;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Quotas;

/// <summary>Per-project limits (<c>volumes_quotas</c>, defaults where unset) and usage counted from the rows.</summary>
public sealed class QuotaStore(Database database)
{
    public async Task<Dictionary<string, int>> LimitsAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await LimitsAsync(connection, null, projectId);
    }

    public static async Task<Dictionary<string, int>> LimitsAsync(DbConnection connection, DbTransaction? transaction, string projectId)
    {
        var limits = new Dictionary<string, int>(QuotaResource.Defaults);
        var rows = await connection.QueryAsync<(string Resource, int HardLimit)>(
            "SELECT resource, hard_limit FROM volumes_quotas WHERE project_id = @projectId", new { projectId }, transaction);
        foreach (var (resource, limit) in rows)
            limits[resource] = limit;
        return limits;
    }

    public async Task<QuotaUsage> UsageAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await UsageAsync(connection, null, projectId);
    }

    public static async Task<QuotaUsage> UsageAsync(DbConnection connection, DbTransaction? transaction, string projectId)
    {
        var volumes = await connection.QuerySingleAsync<(long Count, long Gigabytes)>(
            "SELECT COUNT(*), COALESCE(SUM(requested_size_gb), 0) FROM volumes_volumes WHERE project_id = @projectId", new { projectId }, transaction);
        var snapshots = await connection.QuerySingleAsync<(long Count, long Gigabytes)>(
            "SELECT COUNT(*), COALESCE(SUM(size_gb), 0) FROM volumes_snapshots WHERE project_id = @projectId", new { projectId }, transaction);
        var backups = await connection.QuerySingleAsync<(long Count, long Gigabytes)>(
            "SELECT COUNT(*), COALESCE(SUM(size_gb), 0) FROM volumes_backups WHERE project_id = @projectId", new { projectId }, transaction);
        return new QuotaUsage((int)volumes.Count, (int)snapshots.Count, volumes.Gigabytes + snapshots.Gigabytes, (int)backups.Count, backups.Gigabytes);
    }

    /// <summary>Provisioned gigabytes across every project, for the capacity check.</summary>
    public static async Task<long> ProvisionedGigabytesAsync(DbConnection connection, DbTransaction? transaction) =>
        await connection.QuerySingleAsync<long>("SELECT COALESCE(SUM(requested_size_gb), 0) FROM volumes_volumes", transaction: transaction)
        + await connection.QuerySingleAsync<long>("SELECT COALESCE(SUM(size_gb), 0) FROM volumes_snapshots", transaction: transaction);

    public async Task SetAsync(string projectId, IReadOnlyDictionary<string, int> limits, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var (resource, limit) in limits)
            {
                await connection.ExecuteAsync("DELETE FROM volumes_quotas WHERE project_id = @projectId AND resource = @resource", new { projectId, resource }, transaction);
                await connection.ExecuteAsync("INSERT INTO volumes_quotas (project_id, resource, hard_limit) VALUES (@projectId, @resource, @limit)", new { projectId, resource, limit }, transaction);
            }
        }, cancellationToken);
}
