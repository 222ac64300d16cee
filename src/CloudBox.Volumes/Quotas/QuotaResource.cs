namespace CloudBox.Volumes.Quotas;

/// <summary>The quota resources of Cinder's <c>os-quota-sets</c> this module enforces, with their defaults.</summary>
public static class QuotaResource
{
    public const string Volumes = "volumes";
    public const string Gigabytes = "gigabytes";
    public const string Snapshots = "snapshots";
    public const string Backups = "backups";
    public const string BackupGigabytes = "backup_gigabytes";

    public static readonly IReadOnlyDictionary<string, int> Defaults = new Dictionary<string, int>
    {
        [Volumes] = 10,
        [Gigabytes] = 1000,
        [Snapshots] = 10,
        [Backups] = 10,
        [BackupGigabytes] = 1000,
    };
}
