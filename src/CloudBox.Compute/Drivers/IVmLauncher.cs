namespace CloudBox.Compute.Drivers;

/// <summary>
/// How a <c>cloudbox vmm</c> process is started and ended: as a transient systemd unit
/// (<see cref="SystemdUnitLauncher"/>) or as a detached process in its own session
/// (<see cref="DetachedProcessLauncher"/>). Either way the VMM outlives <c>serve</c>; the driver talks
/// to it through its control socket, and asks the launcher that started it to end its process.
/// </summary>
public interface IVmLauncher
{
    /// <summary>Recorded in the instance directory, so a VM is ended by the launcher that started it.</summary>
    string Name { get; }

    /// <summary>Starts <paramref name="commandLine"/> (binary first) for <paramref name="vm"/>, its output appended to <paramref name="logPath"/>.</summary>
    Task<LaunchedVmm> LaunchAsync(VmDefinition vm, IReadOnlyList<string> commandLine, string logPath, CancellationToken cancellationToken);

    /// <summary>Ends the VMM process of <paramref name="vm"/> if one still runs; idempotent.</summary>
    Task EndAsync(VmDefinition vm, CancellationToken cancellationToken);
}

/// <summary>A VMM process just started: its pid, and why it exited when it already has (null while it runs).</summary>
public sealed record LaunchedVmm(int Pid, Func<string?> ExitReason);
