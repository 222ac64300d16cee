using CloudBox.Core.Compute;

namespace CloudBox.Telemetry.Benchmarks;

/// <summary>
/// <paramref name="count"/> running VMs for the VM pollster, through the seam Compute implements
/// (<see cref="IVmStatistics"/>). Each points at a real process (this one: /proc/PID/stat and
/// status are read as for a VMM) and a real interface (<c>lo</c>: its sysfs counters are read as
/// for a tap); each has one disk whose counters grow every poll (a real VMM answers them over
/// its control socket, which is not simulated).
/// </summary>
internal sealed class SimulatedVms(int count) : IVmStatistics
{
    private readonly IReadOnlyList<RunningVm> _vms = Enumerable.Range(0, count)
        .Select(i => new RunningVm(Guid.NewGuid().ToString(), $"bench-vm-{i}", "bench-project", "bench-user", 2, 2048, Environment.ProcessId,
            $"/run/cloudbox/bench-{i}.sock", ["lo"], "ACTIVE"))
        .ToList();

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
}
