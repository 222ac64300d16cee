using CloudBox.Core.Compute;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Storage;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// One timer for every VM on this host: each interval, per running server <c>cpu</c> (the VMM
/// process's CPU time in ns), <c>vcpus</c>, <c>memory</c>, <c>memory.usage</c> (RSS in MB), and per
/// tap in this namespace (one read of /proc/net/dev for all of them) <c>network.incoming/outgoing.bytes/packets</c> (the tap's transmit side is
/// the guest's incoming), and per disk <c>disk.device.read/write.bytes/requests</c> (an
/// <c>instance_disk</c> named by the guest's device, from the VMM's control API), and CloudBox's own
/// <c>cloudbox.vm.exits.io/mmio/hlt/other</c> (the VM's exits so far by reason, from the same read of
/// the control API), all queued as one batch.
/// </summary>
internal sealed partial class VmPollster(IVmStatistics vms, CollectorResources resources, MeasureService measures, TelemetrySettings settings, TimeProvider clock,
    ILogger<VmPollster> logger) : Pollster(settings.PollInterval, clock, pollAtStart: true)
{
    private static readonly IReadOnlyList<(string, string?)> DiskMetrics =
        [("disk.device.read.bytes", "B"), ("disk.device.write.bytes", "B"), ("disk.device.read.requests", "request"), ("disk.device.write.requests", "request")];

    public static readonly IReadOnlyList<(string, string?)> InterfaceMetrics =
        [("network.incoming.bytes", "B"), ("network.outgoing.bytes", "B"), ("network.incoming.packets", "packet"), ("network.outgoing.packets", "packet")];

    /// <summary>The last poll's running VMs, for Prometheus.</summary>
    public IReadOnlyList<(RunningVm Vm, long? Cpu, double? Rss)> LastPoll { get; private set; } = [];

    protected override void OnPollFailed(Exception error) => LogFailed(error);

    public override async Task PollAsync(CancellationToken cancellationToken)
    {
        var now = NowNanos();
        var batch = new Dictionary<Guid, List<MeasurePoint>>();
        var seen = new List<(RunningVm, long?, double?)>();
        var running = await vms.ListAsync(cancellationToken);
        var taps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var vm in running)
        {
            if (vm.Pid is not null)
                taps.UnionWith(vm.Taps);
        }
        // One read of every tap's counters for the whole poll.
        var interfaces = InterfaceCounters.Read(taps);
        foreach (var vm in running)
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
            var counters = await vms.CountersAsync(vm, cancellationToken);
            if (counters.ExitsByReason.Count > 0)
            {
                var (io, mmio, hlt, other) = VmExits.Split(counters.ExitsByReason);
                MeasureBatch.Add(batch, ids, VmExits.Io, now, io);
                MeasureBatch.Add(batch, ids, VmExits.Mmio, now, mmio);
                MeasureBatch.Add(batch, ids, VmExits.Hlt, now, hlt);
                MeasureBatch.Add(batch, ids, VmExits.Other, now, other);
            }
            foreach (var disk in counters.Disks)
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
                // A tap not in this namespace has no counters.
                if (!interfaces.TryGet(tap, out var tapCounters))
                    continue;
                var nic = await resources.EnsureAsync("instance_network_interface", InterfaceId(vm.ServerId, tap), vm.ProjectId, vm.UserId,
                    new Dictionary<string, string?> { ["name"] = tap, ["instance_id"] = vm.ServerId }, InterfaceMetrics, cancellationToken);
                // The tap's transmit side is the guest's incoming.
                MeasureBatch.Add(batch, nic, "network.incoming.bytes", now, tapCounters.TxBytes);
                MeasureBatch.Add(batch, nic, "network.outgoing.bytes", now, tapCounters.RxBytes);
                MeasureBatch.Add(batch, nic, "network.incoming.packets", now, tapCounters.TxPackets);
                MeasureBatch.Add(batch, nic, "network.outgoing.packets", now, tapCounters.RxPackets);
            }
        }
        LastPoll = seen;
        if (batch.Count > 0)
            await measures.AddCollectedAsync(batch, cancellationToken);
    }

    /// <summary>Ceilometer's id for a server's disk: <c>server-device</c>, e.g. <c>…-vda</c>.</summary>
    public static string DiskId(string serverId, string device) => serverId + "-" + device;

    /// <summary>
    /// Ceilometer's id for a server's interface, <c>instance_name-server-tap</c> (stored, as Gnocchi does for an id that is
    /// not a UUID, under a UUID5 of it, the original kept as <c>original_resource_id</c>). The instance name is
    /// Compute's <c>OS-EXT-SRV-ATTR:instance_name</c>: <c>instance-</c> and the server id's first 8 characters.
    /// </summary>
    public static string InterfaceId(string serverId, string tap) => $"instance-{serverId[..Math.Min(8, serverId.Length)]}-{serverId}-{tap}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling the VMs failed")]
    private partial void LogFailed(Exception error);
}
