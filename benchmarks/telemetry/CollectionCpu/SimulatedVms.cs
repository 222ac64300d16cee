using CloudBox.Core.Compute;

namespace CloudBox.Telemetry.Benchmarks;

/// <summary>
/// <paramref name="count"/> running VMs for the VM pollster, through the seam Compute implements
/// (<see cref="IVmStatistics"/>). Each points at a real process (this one: /proc/PID/stat and
/// status are read as for a VMM) and a real interface (<c>lo</c>: its sysfs counters are read as
/// for a tap); each has one disk whose counters grow every poll (a real VMM answers them over
/// its control socket, which is not simulated), and exits by reason growing the same way.
/// </summary>
internal sealed class SimulatedVms(int count) : IVmStatistics
{
    private readonly IReadOnlyList<RunningVm> _vms = Enumerable.Range(0, count)
        .Select(i => new RunningVm(Guid.NewGuid().ToString(), $"bench-vm-{i}", "bench-project", "bench-user", 2, 2048, Environment.ProcessId,
            $"/run/cloudbox/bench-{i}.sock", ["lo"], "ACTIVE"))
        .ToList();

    /// <summary>Metrics one VM updates per poll: 8 on its instance (4 of them exits), 4 on its disk, 4 on its interface.</summary>
    public const int MetricsPerVm = 16;

    private long _polls;

    public Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _polls);
        return Task.FromResult(_vms);
    }

    public Task<IReadOnlyList<VmDiskCounters>> DiskCountersAsync(RunningVm vm, CancellationToken cancellationToken)
    {
        var n = Interlocked.Read(ref _polls);
        return Task.FromResult<IReadOnlyList<VmDiskCounters>>([new VmDiskCounters("vda", n * 4096, n * 8192, n, n * 2)]);
    }

    public async Task<VmmCounters> CountersAsync(RunningVm vm, CancellationToken cancellationToken)
    {
        var n = Interlocked.Read(ref _polls);
        return new VmmCounters(await DiskCountersAsync(vm, cancellationToken),
            new Dictionary<string, long> { ["Io"] = n * 1000, ["Mmio"] = n * 300, ["Hlt"] = n * 50, ["Msr"] = n * 7 });
    }
}
