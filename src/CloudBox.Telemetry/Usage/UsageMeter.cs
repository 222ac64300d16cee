namespace CloudBox.Telemetry.Usage;

/// <summary>How a meter's measures add up over time.</summary>
internal enum MeterKind
{
    /// <summary>A level sampled over time (vcpus, volume.size): integrated into value × hours.</summary>
    Gauge,

    /// <summary>A cumulative count (cpu ns, network bytes): its increase over the period, across resets.</summary>
    Counter,
}

/// <summary>
/// One meter the usage report reads: the resource type and metric name the collector records it
/// under, how it adds up, and the factor from the integral to the report's unit.
/// </summary>
internal sealed record UsageMeter(string ResourceType, string Metric, MeterKind Kind, double Scale)
{
    private const double GiB = 1024.0 * 1024 * 1024;

    public static readonly UsageMeter Vcpus = new("instance", "vcpus", MeterKind.Gauge, 1);
    public static readonly UsageMeter Cpu = new("instance", "cpu", MeterKind.Counter, 1 / SeriesIntegral.NanosPerHour);
    public static readonly UsageMeter VolumeSize = new("volume", "volume.size", MeterKind.Gauge, 1);
    public static readonly UsageMeter ObjectBytes = new("swift_account", "storage.objects.size", MeterKind.Gauge, 1 / GiB);
    public static readonly UsageMeter ImageBytes = new("image", "image.size", MeterKind.Gauge, 1 / GiB);
    public static readonly UsageMeter NetworkIn = new("instance_network_interface", "network.incoming.bytes", MeterKind.Counter, 1);
    public static readonly UsageMeter NetworkOut = new("instance_network_interface", "network.outgoing.bytes", MeterKind.Counter, 1);

    /// <summary>Every meter of the report (what the pollsters record: see Collection/VmPollster and UsagePollster).</summary>
    public static readonly IReadOnlyList<UsageMeter> All = [Vcpus, Cpu, VolumeSize, ObjectBytes, ImageBytes, NetworkIn, NetworkOut];

    public static UsageMeter? Find(string resourceType, string metric)
    {
        foreach (var meter in All)
        {
            if (meter.ResourceType == resourceType && meter.Metric == metric)
                return meter;
        }
        return null;
    }
}
