using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Volumes;
using Dapper;

namespace CloudBox.Volumes.Quotas;

/// <summary>
/// Admits a new volume or snapshot row only if the project's quota and the store's capacity
/// allow it, checking and inserting in one transaction under one lock, so concurrent creates
/// cannot both squeeze under a limit.
/// </summary>
public sealed class Admission(Database database, VolumeFiles files, VolumesSettings settings)
{
    private const string LockKey = "volumes:admission";

    /// <summary>Inserts the volume if quota and capacity allow; <paramref name="alongside"/> runs in the same transaction (a boot volume's reservation).</summary>
    public Task AdmitVolumeAsync(
        VolumeRecord volume, int extraGigabytes, CancellationToken cancellationToken, Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task>? alongside = null) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, LockKey);
            await CheckAsync(connection, transaction, volume.ProjectId, addVolumes: 1, addSnapshots: 0, addGigabytes: extraGigabytes);
            await connection.ExecuteAsync($"INSERT INTO volumes_volumes ({VolumeStore.Columns}) VALUES ({VolumeStore.Values})", volume, transaction);
            if (alongside is not null)
                await alongside(connection, transaction);
        }, cancellationToken);

    /// <summary>Grows a volume's requested size (extend) if quota and capacity allow, moving it to <c>extending</c>.</summary>
    public Task<bool> AdmitExtendAsync(VolumeRecord volume, int newSizeGb, string now, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, LockKey);
            await CheckAsync(connection, transaction, volume.ProjectId, 0, 0, newSizeGb - volume.RequestedSizeGb);
            return await connection.ExecuteAsync(
                "UPDATE volumes_volumes SET status = @extending, requested_size_gb = @newSizeGb, updated_at = @now WHERE id = @id AND status = @available",
                new { extending = VolumeStatus.Extending, newSizeGb, now, id = volume.Id, available = VolumeStatus.Available }, transaction) == 1;
        }, cancellationToken);

    public Task AdmitSnapshotAsync(Snapshots.SnapshotRecord snapshot, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, LockKey);
            await CheckAsync(connection, transaction, snapshot.ProjectId, 0, 1, snapshot.SizeGb);
            await connection.ExecuteAsync(
                $"INSERT INTO volumes_snapshots ({Snapshots.SnapshotStore.Columns}) VALUES ({Snapshots.SnapshotStore.Values})", snapshot, transaction);
        }, cancellationToken);

    /// <summary>
    /// Inside the caller's transaction: refuses a new backup of <paramref name="sizeGb"/> beyond the
    /// project's <c>backups</c> or <c>backup_gigabytes</c> quota with Cinder's 413 errors. Takes the
    /// admission lock, so it must come before the transaction locks anything else.
    /// </summary>
    public async Task CheckBackupAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string projectId, int sizeGb)
    {
        await database.LockAsync(connection, transaction, LockKey);
        var limits = await QuotaStore.LimitsAsync(connection, transaction, projectId);
        var usage = await QuotaStore.UsageAsync(connection, transaction, projectId);
        if (limits[QuotaResource.Backups] >= 0 && usage.Backups + 1 > limits[QuotaResource.Backups])
            throw new ApiFault(413, $"BackupLimitExceeded: Maximum number of backups allowed ({limits[QuotaResource.Backups]}) exceeded");
        var allowed = limits[QuotaResource.BackupGigabytes];
        if (allowed >= 0 && usage.BackupGigabytes + sizeGb > allowed)
        {
            throw new ApiFault(413,
                $"VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested {sizeGb}G, quota is {allowed}G and {usage.BackupGigabytes}G has been consumed.");
        }
    }

    /// <summary>
    /// Inside the caller's transaction: refuses taking over a volume (with its snapshots) beyond the
    /// recipient's quotas. Nothing new is provisioned, so capacity is not checked. Takes the admission
    /// lock, so it must come before the transaction locks anything else.
    /// </summary>
    public async Task CheckTransferAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string projectId, int snapshots, long gigabytes)
    {
        await database.LockAsync(connection, transaction, LockKey);
        await CheckAsync(connection, transaction, projectId, 1, snapshots, gigabytes, checkCapacity: false);
    }

    private async Task CheckAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string projectId, int addVolumes, int addSnapshots, long addGigabytes,
        bool checkCapacity = true)
    {
        var limits = await QuotaStore.LimitsAsync(connection, transaction, projectId);
        var usage = await QuotaStore.UsageAsync(connection, transaction, projectId);
        Refuse(QuotaResource.Volumes, usage.Volumes, addVolumes, limits);
        Refuse(QuotaResource.Snapshots, usage.Snapshots, addSnapshots, limits);
        if (addGigabytes > 0 && limits[QuotaResource.Gigabytes] >= 0 && usage.Gigabytes + addGigabytes > limits[QuotaResource.Gigabytes])
        {
            throw new ApiFault(413,
                $"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested {addGigabytes}G, " +
                $"quota is {limits[QuotaResource.Gigabytes]}G and {usage.Gigabytes}G has been consumed.");
        }
        if (addGigabytes > 0 && checkCapacity)
        {
            var capacity = (long)(files.CapacityGigabytes() * settings.MaxOverSubscriptionRatio);
            var provisioned = await QuotaStore.ProvisionedGigabytesAsync(connection, transaction);
            if (provisioned + addGigabytes > capacity)
                throw ApiFault.BadRequest($"Not enough capacity: {addGigabytes}G requested, {provisioned}G of {capacity}G (thin, over-subscription ratio {settings.MaxOverSubscriptionRatio}) already provisioned.");
        }
    }

    private static void Refuse(string resource, int used, int adding, IReadOnlyDictionary<string, int> limits)
    {
        if (adding > 0 && limits[resource] >= 0 && used + adding > limits[resource])
            throw new ApiFault(413, $"Maximum number of {resource} allowed ({limits[resource]}) exceeded for quota '{resource}'.");
    }
}
