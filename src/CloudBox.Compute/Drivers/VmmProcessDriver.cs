using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// Runs each VM as its own <c>cloudbox vmm</c> process, started in a new session (<c>setsid</c>) so it
/// outlives <c>serve</c>; its control socket and console log live in the instance directory, so a
/// restarted <c>serve</c> finds it again through the socket alone. (A transient systemd unit over
/// D-Bus would be a second implementation of this seam; it is not written yet.)
/// </summary>
public sealed partial class VmmProcessDriver(ComputeSettings settings, ILogger<VmmProcessDriver> logger) : IHypervisorDriver
{
    public string HypervisorType => "CloudBox-KVM";

    private string Binary => string.IsNullOrEmpty(settings.VmmBinary) ? Environment.ProcessPath ?? "cloudbox" : settings.VmmBinary;

    public async Task StartAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        if (await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is "running" or "paused" or "created")
            return;
        if (!File.Exists(Binary))
            throw new DriverException($"The VMM binary {Binary} does not exist.");
        await EndLingeringAsync(vm);
        File.Delete(vm.ApiSocketPath);
        var arguments = new List<string> { Binary, "vmm", "--kernel", vm.KernelPath };
        if (vm.InitrdPath is not null)
            arguments.AddRange(["--initrd", vm.InitrdPath]);
        arguments.AddRange(["--cmdline", vm.CommandLine, "--memory", vm.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--vcpus", vm.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        foreach (var disk in vm.Disks)
            arguments.AddRange(["--disk", disk.ReadOnly ? disk.Path + ",ro" : disk.Path]);
        foreach (var nic in vm.Nics)
            arguments.AddRange(["--net", $"tap={nic.Tap},mac={nic.Mac}"]);
        // No --no-reboot: a guest that reboots itself stays up in the same VMM, as on any cloud.
        arguments.AddRange(["--console", vm.ConsoleLogPath, "--api-socket", vm.ApiSocketPath]);

        // sh execs setsid, which (the child not being a group leader) makes it lead a new session in
        // place and execs the VMM: same pid, so an early exit is seen, yet detached from serve's
        // session and process group, it outlives serve. Its own output goes to vmm.log.
        var log = Path.Combine(vm.InstanceDirectory, "vmm.log");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid \"$@\" </dev/null >>\"$LOG\" 2>&1");
        start.ArgumentList.Add("sh");
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["LOG"] = log;
        using var process = Process.Start(start) ?? throw new DriverException("Could not start the VMM process.");
        await File.WriteAllTextAsync(PidFile(vm), process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is "running" or "created")
            {
                LogStarted(vm.ServerId, process.Id);
                return;
            }
            if (process.HasExited)
                throw new DriverException($"The VMM ({Binary} vmm) exited with code {process.ExitCode} before it was ready: {Tail(log)}".TrimEnd(' ', ':'));
            await Task.Delay(20, cancellationToken);
        }
        throw new DriverException($"The VMM did not open its control socket within 10 s: {Tail(log)}".TrimEnd(' ', ':'));
    }

    private static string PidFile(VmDefinition vm) => Path.Combine(vm.InstanceDirectory, "vmm.pid");

    /// <summary>
    /// Ends a VMM process of this VM that no longer runs a guest but has not exited (its VM
    /// stopped): found by the pid recorded at start, and only if that process's command line still
    /// names this VM's control socket, so a recycled pid is never killed.
    /// </summary>
    private static async Task EndLingeringAsync(VmDefinition vm)
    {
        if (!File.Exists(PidFile(vm)) || !int.TryParse(await File.ReadAllTextAsync(PidFile(vm)), out var pid))
            return;
        var cmdline = $"/proc/{pid}/cmdline";
        try
        {
            if (!File.Exists(cmdline) || !(await File.ReadAllTextAsync(cmdline)).Contains(vm.ApiSocketPath, StringComparison.Ordinal))
                return;
            using var process = Process.GetProcessById(pid);
            process.Kill();
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or IOException or OperationCanceledException)
        {
            // Gone already, or not ours to wait for: either way it no longer holds the VM.
        }
    }

    private static string Tail(string log) => File.Exists(log) ? string.Join(" | ", File.ReadLines(log).Where(l => l.Length > 0).TakeLast(3)) : "";

    public async Task<int> GetPowerStateAsync(VmDefinition vm, CancellationToken cancellationToken) =>
        await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) switch
        {
            "running" or "created" => PowerState.Running,
            "paused" => PowerState.Paused,
            _ => PowerState.Shutdown,
        };

    public async Task StopAsync(VmDefinition vm, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!await VmmControlClient.ActAsync(vm.ApiSocketPath, "shutdown", cancellationToken))
            return;
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline)
        {
            if (await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is null or "stopped")
            {
                await EndLingeringAsync(vm);
                return;
            }
            await Task.Delay(200, cancellationToken);
        }
        await DestroyAsync(vm, cancellationToken);
    }

    public async Task RebootAsync(VmDefinition vm, bool hard, CancellationToken cancellationToken)
    {
        if (hard)
        {
            await DestroyAsync(vm, cancellationToken);
            await StartAsync(vm, cancellationToken);
            return;
        }
        if (!await VmmControlClient.ActAsync(vm.ApiSocketPath, "reboot", cancellationToken))
            throw new DriverException("The VM is not running.");
    }

    public async Task PauseAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        if (!await VmmControlClient.ActAsync(vm.ApiSocketPath, "pause", cancellationToken))
            throw new DriverException("The VM is not running.");
    }

    public async Task ResumeAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        if (!await VmmControlClient.ActAsync(vm.ApiSocketPath, "resume", cancellationToken))
            throw new DriverException("The VM is not running.");
    }

    public async Task DestroyAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        if (await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is "running" or "paused" or "created")
        {
            try
            {
                await VmmControlClient.ActAsync(vm.ApiSocketPath, "kill", cancellationToken);
            }
            catch (DriverException)
            {
                // It stopped between the two calls; the process is ended below either way.
            }
            for (var i = 0; i < 50 && await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is not null and not "stopped"; i++)
                await Task.Delay(100, cancellationToken);
        }
        await EndLingeringAsync(vm);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started the VMM of server {ServerId} (pid {Pid})")]
    private partial void LogStarted(string serverId, int pid);
}
