using System.Text.Json.Serialization;

namespace CloudBox.Telemetry.Usage;

/// <summary>
/// A project's usage over [start, end) from the stored measures: allocated vCPU-hours and
/// consumed CPU-hours of its servers, GB-hours (GiB, as Cinder's GB) of its volumes, object store
/// and images, and its servers' network bytes in and out; with how many resources and metrics
/// were read.
/// </summary>
internal sealed record UsageReport(
    string ProjectId,
    string Start,
    string End,
    double VcpuHours,
    double CpuHours,
    double VolumeGbHours,
    double ObjectStorageGbHours,
    double ImageGbHours,
    long NetworkIncomingBytes,
    long NetworkOutgoingBytes,
    int Resources,
    int Metrics);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(UsageReport))]
internal sealed partial class UsageJsonContext : JsonSerializerContext;
