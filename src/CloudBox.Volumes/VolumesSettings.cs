namespace CloudBox.Volumes;

/// <summary>Tunables of the Volumes module, with Cinder's defaults where it has them.</summary>
public sealed class VolumesSettings
{
    /// <summary>Thin provisioning: how many times the store's size may be promised (Cinder's max_over_subscription_ratio).</summary>
    public double MaxOverSubscriptionRatio { get; init; } = 20.0;

    /// <summary>The store's size in GiB; by default the size of the file system holding the data directory.</summary>
    public long? CapacityGigabytes { get; init; }

    /// <summary>How often the worker looks for work when nothing woke it.</summary>
    public TimeSpan WorkerPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The size of one backup object (Cinder's backup_swift_object_size is 50 MiB): the unit an
    /// incremental backup compares and stores again when it changed, and what a backup holds in memory.
    /// </summary>
    public int BackupChunkBytes { get; init; } = 8 << 20;

    /// <summary>The qemu-img binary, for images in qcow2 and other formats.</summary>
    public string QemuImg { get; init; } = "qemu-img";
}
