using CloudBox.Core.Compute;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Storage;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// One timer for every VM on this host: each interval, per running server <c>cpu</c> (the VMM
/// process's CPU time in ns), <c>vcpus</c>, <c>memory</c>, <c>memory.usage</c> (RSS in MB), and per
/// tap in this namespace <c>network.incoming/outgoing.bytes/packets</c> (the tap's transmit side is
/// the guest's incoming), and per disk <c>disk.device.read/write.bytes/requests</c> (an
/// <c>instance_disk</c> named by the guest's device, from the VMM's control API), all queued as one batch.
/// </summary>
internal sealed partial class VmPollster(IVmStatistics vms, CollectorResources resources, MeasureService measures, TelemetrySettings settings, TimeProvider clock,
    ILogger<VmPollster> logger) : Pollster(settings.PollInterval, clock, pollAtStart: true)
{
    private static readonly IReadOnlyList<(string, string?)> DiskMetrics =
        [("disk.device.read.bytes", "B"), ("disk.device.write.bytes", "B"), ("disk.device.read.requests", "request"), ("disk.device.write.requests", "request")];

    private static readonly IReadOnlyList<(string, string?)> InterfaceMetrics =
        [("network.incoming.bytes", "B"), ("network.outgoing.bytes", "B"), ("network.incoming.packets", "packet"), ("network.outgoing.packets", "packet")];

    /// <summary>The last poll's running VMs, for Prometheus.</summary>
    public IReadOnlyList<(RunningVm Vm, long? Cpu, double? Rss)> LastPoll { get; private set; } = [];

    protected override void OnPollFailed(Exception error) => LogFailed(error);

    public override async Task PollAsync(CancellationToken cancellationToken)
    {
        var now = NowNanos();
        var batch = new Dictionary<Guid, List<MeasurePoint>>();
        var seen = new List<(RunningVm, long?, double?)>();
        foreach (var vm in await vms.ListAsync(cancellationToken))
        {
            if (vm.Pid is not { } pid)
            {
                seen.Add((vm, null, null));
                continue;
            }
            var cpu = ProcessCounters.CpuNanoseconds(pid);
            var rss = ProcessCounters.ResidentMegabytes(pid);
            seen.Add((vm, cpu, rss));
            var ids = await resources.EnsureAsync("instance", vm.ServerId, vm.ProjectId, vm.UserId,
                new Dictionary<string, string?> { ["display_name"] = vm.Name, ["host"] = Environment.MachineName }, ResourceEventCollector.InstanceMetrics, cancellationToken,
                createOnly: new Dictionary<string, string?> { ["flavor_id"] = "" });
            MeasureBatch.Add(batch, ids, "cpu", now, cpu);
            MeasureBatch.Add(batch, ids, "vcpus", now, vm.Vcpus);
            MeasureBatch.Add(batch, ids, "memory", now, vm.RamMb);
            MeasureBatch.Add(batch, ids, "memory.usage", now, rss);
            foreach (var disk in await vms.DiskCountersAsync(vm, cancellationToken))
            {
                var diskIds = await resources.EnsureAsync("instance_disk", DiskId(vm.ServerId, disk.Device), vm.ProjectId, vm.UserId,
                    new Dictionary<string, string?> { ["name"] = disk.Device, ["instance_id"] = vm.ServerId }, DiskMetrics, cancellationToken);
                MeasureBatch.Add(batch, diskIds, "disk.device.read.bytes", now, disk.ReadBytes);
                MeasureBatch.Add(batch, diskIds, "disk.device.write.bytes", now, disk.WriteBytes);
                MeasureBatch.Add(batch, diskIds, "disk.device.read.requests", now, disk.ReadRequests);
                MeasureBatch.Add(batch, diskIds, "disk.device.write.requests", now, disk.WriteRequests);
            }
            foreach (var tap in vm.Taps)
            {
                // A tap not in this namespace has no counters; the first read tells, and is the first measure.
                if (ProcessCounters.Tap(tap, "tx_bytes") is not { } transmitted)
                    continue;
                var nic = await resources.EnsureAsync("instance_network_interface", InterfaceId(vm.ServerId, tap), vm.ProjectId, vm.UserId,
                    new Dictionary<string, string?> { ["name"] = tap, ["instance_id"] = vm.ServerId }, InterfaceMetrics, cancellationToken);
                MeasureBatch.Add(batch, nic, "network.incoming.bytes", now, transmitted);
                MeasureBatch.Add(batch, nic, "network.outgoing.bytes", now, ProcessCounters.Tap(tap, "rx_bytes"));
                MeasureBatch.Add(batch, nic, "network.incoming.packets", now, ProcessCounters.Tap(tap, "tx_packets"));
                MeasureBatch.Add(batch, nic, "network.outgoing.packets", now, ProcessCounters.Tap(tap, "rx_packets"));
            }
        }
        LastPoll = seen;
        if (batch.Count > 0)
            await measures.AddAsync(batch, cancellationToken);
    }

    /// <summary>Ceilometer's id for a server's disk: <c>server-device</c>, e.g. <c>…-vda</c>.</summary>
    public static string DiskId(string serverId, string device) => serverId + "-" + device;

    /// <summary>A stable id for a server's interface: a UUID5-like name of server and tap.</summary>
    public static string InterfaceId(string serverId, string tap) => TelemetryCaller.ResourceUuid(serverId + "-" + tap, CollectorResources.Creator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling the VMs failed")]
    private partial void LogFailed(Exception error);
}
