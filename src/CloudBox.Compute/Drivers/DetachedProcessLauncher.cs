using System.Diagnostics;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// Starts the VMM as a process in its own session, where systemd does not run: detached from
/// <c>serve</c>'s session and process group, so neither a terminal hang-up nor a signal to serve's
/// group reaches it, and when serve exits or is killed it is re-parented, not ended.
/// </summary>
public sealed class DetachedProcessLauncher : IVmLauncher
{
    public const string LauncherName = "detached";

    public string Name => LauncherName;

    public Task<LaunchedVmm> LaunchAsync(VmDefinition vm, IReadOnlyList<string> commandLine, string logPath, CancellationToken cancellationToken)
    {
        // sh execs setsid, which (the child not being a group leader) makes it lead a new session in
        // place and execs the VMM: same pid, so an early exit is seen, yet detached from serve's
        // session and process group, it outlives serve. Its own output goes to vmm.log.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid \"$@\" </dev/null >>\"$LOG\" 2>&1");
        start.ArgumentList.Add("sh");
        foreach (var argument in commandLine)
            start.ArgumentList.Add(argument);
        start.Environment["LOG"] = logPath;
        var process = Process.Start(start) ?? throw new DriverException("Could not start the VMM process.");
        return Task.FromResult(new LaunchedVmm(process.Id, () => process.HasExited ? $"exited with code {process.ExitCode}" : null));
    }

    public async Task EndAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        await VmmProcesses.KillAsync(vm);
        // The cgroup a confined VMM made for itself (empty once it has exited; kept while it still runs).
        if (VmmProcesses.Find(vm) is null)
            CloudBox.Linux.Confinement.CgroupLimits.Remove(VmmProcessDriver.CgroupName(vm));
    }
}
