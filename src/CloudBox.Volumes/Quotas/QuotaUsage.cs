namespace CloudBox.Volumes.Quotas;

/// <summary>What a project holds now: counted from the volume and snapshot rows, never kept as a counter that could drift.</summary>
public sealed record QuotaUsage(int Volumes, int Snapshots, long Gigabytes);
