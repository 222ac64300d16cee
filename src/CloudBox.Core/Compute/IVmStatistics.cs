namespace CloudBox.Core.Compute;

/// <summary>A VM running on this host, as a collector needs it: whose it is, its size, its VMM process and its devices.</summary>
public sealed record RunningVm(
    string ServerId,
    string Name,
    string ProjectId,
    string UserId,
    int Vcpus,
    int RamMb,
    int? Pid,
    string ControlSocket,
    IReadOnlyList<string> Taps,
    string State);

/// <summary>One disk of a running VM as its VMM counts it: the guest's device name (vda, vdb…), and its reads and writes so far.</summary>
public sealed record VmDiskCounters(string Device, long ReadBytes, long WriteBytes, long ReadRequests, long WriteRequests);

/// <summary>
/// A running VM's counters as its VMM answers them in one read: its disks, and its VM exits so far
/// by KVM's reason name (<c>Io</c>, <c>Mmio</c>, <c>Hlt</c>…), empty when the VMM does not count them.
/// </summary>
public sealed record VmmCounters(IReadOnlyList<VmDiskCounters> Disks, IReadOnlyDictionary<string, long> ExitsByReason);

/// <summary>Implemented by Compute: the servers placed on this host, for Telemetry's pollsters and Prometheus.</summary>
public interface IVmStatistics
{
    Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The disks' counters of a running VM (its VMM's control API), empty when the VMM does not answer.</summary>
    Task<IReadOnlyList<VmDiskCounters>> DiskCountersAsync(RunningVm vm, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VmDiskCounters>>([]);

    /// <summary>The disks' counters and exits by reason of a running VM in one read of its VMM's control API.</summary>
    async Task<VmmCounters> CountersAsync(RunningVm vm, CancellationToken cancellationToken) =>
        new(await DiskCountersAsync(vm, cancellationToken), new Dictionary<string, long>());
}

/// <summary>No Compute module: no VMs.</summary>
public sealed class NoVmStatistics : IVmStatistics
{
    public Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RunningVm>>([]);
}
