using System.ComponentModel;
using CloudBox.Core.Configuration;
using CloudBox.Linux.FileSystem;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Prometheus;
using CloudBox.Telemetry.Storage;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// This host, each interval, as Ceilometer names it: a <c>nova_compute</c> resource
/// (<c>host_node</c>) with <c>compute.node.cpu.*.time</c> (ns since boot) and
/// <c>compute.node.cpu.*.percent</c> (over the last interval) from /proc/stat; a <c>host</c> with
/// <c>hardware.memory.*</c> (KB) from /proc/meminfo, <c>hardware.cpu.load.*</c> and
/// <c>hardware.cpu.util</c>; a <c>host_disk</c> for the data directory's file system with
/// <c>hardware.disk.size.total/used</c> (KB) from statvfs. On the <c>host</c> too, serve's own
/// requests over the last interval: <c>cloudbox.serve.request.rate</c> (requests/s),
/// <c>cloudbox.serve.request.latency</c> (mean, ms) and <c>cloudbox.serve.request.latency.p99</c>
/// (ms, from the latency histogram), and the rate and mean latency per module
/// (<c>cloudbox.serve.MODULE.request.rate/latency</c>).
/// </summary>
internal sealed partial class HostPollster(CollectorResources resources, MeasureService measures, CloudBoxOptions options, TelemetrySettings settings,
    RequestMetrics requests, TimeProvider clock, ILogger<HostPollster> logger) : Pollster(settings.PollInterval, clock, pollAtStart: true)
{
    public static readonly IReadOnlyList<(string Name, string? Unit)> ComputeNodeMetrics =
    [
        ("compute.node.cpu.percent", "%"), ("compute.node.cpu.user.percent", "%"), ("compute.node.cpu.kernel.percent", "%"),
        ("compute.node.cpu.idle.percent", "%"), ("compute.node.cpu.iowait.percent", "%"),
        ("compute.node.cpu.user.time", "ns"), ("compute.node.cpu.kernel.time", "ns"), ("compute.node.cpu.idle.time", "ns"), ("compute.node.cpu.iowait.time", "ns"),
    ];

    public static readonly IReadOnlyList<(string Name, string? Unit)> HostMetrics =
    [
        ("hardware.memory.total", "KB"), ("hardware.memory.used", "KB"), ("hardware.memory.buffer", "KB"), ("hardware.memory.cached", "KB"),
        ("hardware.memory.swap.total", "KB"), ("hardware.memory.swap.avail", "KB"),
        ("hardware.cpu.load.1min", "process"), ("hardware.cpu.load.5min", "process"), ("hardware.cpu.load.15min", "process"), ("hardware.cpu.util", "%"),
    ];

    public static readonly IReadOnlyList<(string Name, string? Unit)> DiskMetrics = [("hardware.disk.size.total", "KB"), ("hardware.disk.size.used", "KB")];

    /// <summary>The most modules whose requests get meters of their own (route templates are finite; this bounds them anyway).</summary>
    public const int MaxServeModules = 32;

    private HostCounters.CpuTimes? _previousCpu;
    private Dictionary<string, RequestTotals>? _previousRequests;
    private long _previousRequestsAt;

    /// <summary>The name this host's resources carry (host_name).</summary>
    public static string HostName => Environment.MachineName;

    /// <summary>Ceilometer's id for a compute node: <c>host_nodename</c>, one node per host here.</summary>
    public static string ComputeNodeId => HostName + "_" + HostName;

    /// <summary>The id of the data directory's file system as a host disk (a resource id holds no '/': the path's are '_').</summary>
    public static string DiskId(string dataDirectory) => HostName + ":" + dataDirectory.Replace('/', '_');

    protected override void OnPollFailed(Exception error) => LogFailed(error);

    public override async Task PollAsync(CancellationToken cancellationToken)
    {
        var now = NowNanos();
        var batch = new Dictionary<Guid, List<MeasurePoint>>();
        var hostName = new Dictionary<string, string?> { ["host_name"] = HostName };

        double? utilisation = null;
        if (HostCounters.Read("/proc/stat") is { } stat && HostCounters.ParseCpu(stat) is { } cpu)
        {
            var ids = await resources.EnsureAsync("nova_compute", ComputeNodeId, null, null, hostName, ComputeNodeMetrics, cancellationToken);
            MeasureBatch.Add(batch, ids, "compute.node.cpu.user.time", now, cpu.User);
            MeasureBatch.Add(batch, ids, "compute.node.cpu.kernel.time", now, cpu.Kernel);
            MeasureBatch.Add(batch, ids, "compute.node.cpu.idle.time", now, cpu.Idle);
            MeasureBatch.Add(batch, ids, "compute.node.cpu.iowait.time", now, cpu.IoWait);
            // Percentages need two readings: the first poll after start has none.
            if (_previousCpu is { } previous && cpu.Total > previous.Total)
            {
                double total = cpu.Total - previous.Total;
                double Percent(long current, long before) => Math.Round(Math.Clamp((current - before) * 100.0 / total, 0, 100), 2);
                var idle = Percent(cpu.Idle, previous.Idle);
                utilisation = Math.Round(100 - idle, 2);
                MeasureBatch.Add(batch, ids, "compute.node.cpu.percent", now, utilisation);
                MeasureBatch.Add(batch, ids, "compute.node.cpu.user.percent", now, Percent(cpu.User, previous.User));
                MeasureBatch.Add(batch, ids, "compute.node.cpu.kernel.percent", now, Percent(cpu.Kernel, previous.Kernel));
                MeasureBatch.Add(batch, ids, "compute.node.cpu.idle.percent", now, idle);
                MeasureBatch.Add(batch, ids, "compute.node.cpu.iowait.percent", now, Percent(cpu.IoWait, previous.IoWait));
            }
            _previousCpu = cpu;
        }

        if (HostCounters.Read("/proc/meminfo") is { } meminfo && HostCounters.ParseMemory(meminfo) is { } memory)
        {
            var serve = ServeMeasures(now);
            List<(string Name, string? Unit)> metrics = [.. HostMetrics, .. ServeMetrics];
            foreach (var (name, unit, _) in serve)
            {
                if (!metrics.Exists(m => m.Name == name))
                    metrics.Add((name, unit));
            }
            var ids = await resources.EnsureAsync("host", HostName, null, null, hostName, metrics, cancellationToken);
            foreach (var (name, _, value) in serve)
                MeasureBatch.Add(batch, ids, name, now, value);
            MeasureBatch.Add(batch, ids, "hardware.memory.total", now, memory.Total);
            MeasureBatch.Add(batch, ids, "hardware.memory.used", now, memory.Used);
            MeasureBatch.Add(batch, ids, "hardware.memory.buffer", now, memory.Buffers);
            MeasureBatch.Add(batch, ids, "hardware.memory.cached", now, memory.Cached);
            MeasureBatch.Add(batch, ids, "hardware.memory.swap.total", now, memory.SwapTotal);
            MeasureBatch.Add(batch, ids, "hardware.memory.swap.avail", now, memory.SwapFree);
            MeasureBatch.Add(batch, ids, "hardware.cpu.util", now, utilisation);
            if (HostCounters.Read("/proc/loadavg") is { } loadavg && HostCounters.ParseLoad(loadavg) is { } load)
            {
                MeasureBatch.Add(batch, ids, "hardware.cpu.load.1min", now, load.One);
                MeasureBatch.Add(batch, ids, "hardware.cpu.load.5min", now, load.Five);
                MeasureBatch.Add(batch, ids, "hardware.cpu.load.15min", now, load.Fifteen);
            }
        }

        FileSystemSpace.Space? space = null;
        try
        {
            space = FileSystemSpace.Of(options.DataDirectory);
        }
        catch (Win32Exception error)
        {
            LogNoSpace(error.Message);
        }
        if (space is { } disk)
        {
            var ids = await resources.EnsureAsync("host_disk", DiskId(options.DataDirectory), null, null,
                new Dictionary<string, string?> { ["host_name"] = HostName, ["device_name"] = options.DataDirectory }, DiskMetrics, cancellationToken);
            MeasureBatch.Add(batch, ids, "hardware.disk.size.total", now, disk.TotalBytes / 1024);
            MeasureBatch.Add(batch, ids, "hardware.disk.size.used", now, disk.UsedBytes / 1024);
        }

        if (batch.Count > 0)
            await measures.AddCollectedAsync(batch, cancellationToken);
    }

    public static readonly IReadOnlyList<(string Name, string? Unit)> ServeMetrics =
        [("cloudbox.serve.request.rate", "request/s"), ("cloudbox.serve.request.latency", "ms"), ("cloudbox.serve.request.latency.p99", "ms")];

    /// <summary>serve's request rate and latencies since the last poll, all modules and per module; none at the first poll.</summary>
    private List<(string Name, string Unit, double Value)> ServeMeasures(long now)
    {
        var totals = requests.TotalsByModule();
        var previous = _previousRequests;
        var seconds = (now - _previousRequestsAt) / (double)ArchivePolicy.NanosPerSecond;
        _previousRequests = totals;
        _previousRequestsAt = now;
        var result = new List<(string, string, double)>();
        if (previous is null || seconds <= 0)
            return result;
        var all = new long[totals.Values.FirstOrDefault()?.Buckets.Length ?? 0];
        long count = 0;
        double sum = 0;
        foreach (var (module, total) in totals.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var before = previous.GetValueOrDefault(module);
            var n = total.Count - (before?.Count ?? 0);
            var latency = total.Sum - (before?.Sum ?? 0);
            for (var i = 0; i < all.Length; i++)
                all[i] += total.Buckets[i] - (before?.Buckets[i] ?? 0);
            count += n;
            sum += latency;
            if (MeterName(module) is { } name && result.Count < 2 * MaxServeModules)
            {
                result.Add(($"cloudbox.serve.{name}.request.rate", "request/s", Math.Round(n / seconds, 3)));
                if (n > 0)
                    result.Add(($"cloudbox.serve.{name}.request.latency", "ms", Math.Round(latency * 1000 / n, 3)));
            }
        }
        result.Add(("cloudbox.serve.request.rate", "request/s", Math.Round(count / seconds, 3)));
        if (count > 0)
        {
            result.Add(("cloudbox.serve.request.latency", "ms", Math.Round(sum * 1000 / count, 3)));
            result.Add(("cloudbox.serve.request.latency.p99", "ms", Math.Round(RequestMetrics.Quantile(all, count, 0.99) * 1000, 3)));
        }
        return result;
    }

    /// <summary>A module's name as part of a metric name (lower-case letters, digits, '-' and '_'), or null for a pseudo-module such as "(root)".</summary>
    private static string? MeterName(string module)
    {
        if (module.Length == 0 || module.Length > 40)
            return null;
        foreach (var c in module)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
                return null;
        }
        return module;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling this host failed")]
    private partial void LogFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The data directory's file system cannot be measured: {Reason}")]
    private partial void LogNoSpace(string reason);
}
