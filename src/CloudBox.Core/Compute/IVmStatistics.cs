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

/// <summary>Implemented by Compute: the servers placed on this host, for Telemetry's pollsters and Prometheus.</summary>
public interface IVmStatistics
{
    Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The disks' counters of a running VM (its VMM's control API), empty when the VMM does not answer.</summary>
    Task<IReadOnlyList<VmDiskCounters>> DiskCountersAsync(RunningVm vm, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VmDiskCounters>>([]);
}

/// <summary>No Compute module: no VMs.</summary>
public sealed class NoVmStatistics : IVmStatistics
{
    public Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RunningVm>>([]);
}
