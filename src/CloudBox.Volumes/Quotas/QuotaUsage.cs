namespace CloudBox.Volumes.Quotas;

/// <summary>What a project holds now: counted from the volume, snapshot and backup rows, never kept as a counter that could drift.</summary>
public sealed record QuotaUsage(int Volumes, int Snapshots, long Gigabytes, int Backups, long BackupGigabytes)
{
    public long InUse(string resource) => resource switch
    {
        QuotaResource.Volumes => Volumes,
        QuotaResource.Snapshots => Snapshots,
        QuotaResource.Gigabytes => Gigabytes,
        QuotaResource.Backups => Backups,
        QuotaResource.BackupGigabytes => BackupGigabytes,
        _ => 0,
    };
}
