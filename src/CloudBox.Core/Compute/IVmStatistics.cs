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

/// <summary>Implemented by Compute: the servers placed on this host, for Telemetry's pollsters and Prometheus.</summary>
public interface IVmStatistics
{
    Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>No Compute module: no VMs.</summary>
public sealed class NoVmStatistics : IVmStatistics
{
    public Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RunningVm>>([]);
}
