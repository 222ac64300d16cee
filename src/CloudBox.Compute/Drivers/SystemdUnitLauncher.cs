using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tmds.DBus;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// Starts each VMM as a transient systemd service, <c>cloudbox-vm-&lt;server id&gt;.service</c>, over
/// D-Bus (<c>StartTransientUnit</c> on the system bus), where systemd is PID 1. systemd, not
/// <c>serve</c>, is then the VMM's parent: it keeps running through restarts and crashes of serve,
/// lives in its own cgroup under the VMs' slice (memory capped at the flavor's RAM plus overhead),
/// and shows in <c>systemctl status</c>. The unit is collected once the VMM exits.
/// </summary>
public sealed partial class SystemdUnitLauncher(ComputeSettings settings, ILogger<SystemdUnitLauncher> logger) : IVmLauncher
{
    public const string LauncherName = "systemd";
    public const string ManagerService = "org.freedesktop.systemd1";
    public static readonly ObjectPath ManagerPath = new("/org/freedesktop/systemd1");

    private static readonly TimeSpan BusTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(30);

    public string Name => LauncherName;

    public static string UnitName(string serverId) => $"cloudbox-vm-{serverId}.service";

    /// <summary>As sd_booted(3): systemd is the init system when <c>/run/systemd/system</c> exists.</summary>
    public static bool SystemdBooted => Directory.Exists("/run/systemd/system");

    private string BusAddress => string.IsNullOrEmpty(settings.SystemdBusAddress) ? Address.System ?? "unix:path=/run/dbus/system_bus_socket" : settings.SystemdBusAddress;

    /// <summary>Null when systemd can start units here; otherwise why not (for the log).</summary>
    public async Task<string?> UnavailableReasonAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(settings.SystemdBusAddress) && !SystemdBooted)
            return "systemd is not PID 1 (/run/systemd/system does not exist)";
        try
        {
            using var connection = await ConnectAsync(cancellationToken);
            return await connection.IsServiceActiveAsync(ManagerService).WaitAsync(BusTimeout, cancellationToken)
                ? null
                : $"nothing owns {ManagerService} on the bus at {BusAddress}";
        }
        catch (Exception error) when (IsBusFailure(error) && !cancellationToken.IsCancellationRequested)
        {
            return $"the bus at {BusAddress} does not answer: {error.Message}";
        }
    }

    /// <summary>
    /// The unit's properties (<c>a(sv)</c>): what to run and how systemd ends it. KillMode=mixed sends
    /// SIGTERM to the VMM alone, then SIGKILL to anything left in its cgroup.
    /// </summary>
    public IReadOnlyList<(string Name, object Value)> UnitProperties(VmDefinition vm, IReadOnlyList<string> commandLine, string logPath)
    {
        var properties = new List<(string, object)>
        {
            ("Description", $"CloudBox VM {vm.ServerId}"),
            ("ExecStart", new[] { (commandLine[0], commandLine.ToArray(), false) }),
            // exec: the start job fails when the binary cannot be executed, instead of the unit failing later.
            ("Type", "exec"),
            ("KillMode", "mixed"),
            ("TimeoutStopUSec", (ulong)TimeSpan.FromSeconds(10).TotalMicroseconds),
            ("Slice", settings.SystemdSlice),
            // A VM that stopped leaves no unit behind, failed or not: the next start creates it anew.
            ("CollectMode", "inactive-or-failed"),
            ("StandardInput", "null"),
            ("StandardOutputFileToAppend", logPath),
            ("StandardErrorFileToAppend", logPath),
            // Guest memory may be locked; serve's own unit allows it too.
            ("LimitMEMLOCK", ulong.MaxValue),
        };
        // systemd starts units with a clean environment: a runtime found through DOTNET_ROOT must still be found.
        var runtime = new[] { "DOTNET_ROOT", "DOTNET_ROOT_X64" }
            .Where(name => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            .Select(name => $"{name}={Environment.GetEnvironmentVariable(name)}")
            .ToArray();
        if (runtime.Length > 0)
            properties.Add(("Environment", runtime));
        if (settings.VmMemoryOverheadMiB >= 0)
            properties.Add(("MemoryMax", (ulong)(vm.MemoryMiB + settings.VmMemoryOverheadMiB) << 20));
        // The flavor's vCPUs as CPU time: an escaped or runaway VMM takes no more of the host than its guest may.
        properties.Add(("CPUQuotaPerSecUSec", (ulong)vm.Vcpus * 1_000_000));
        return properties;
    }

    public async Task<LaunchedVmm> LaunchAsync(VmDefinition vm, IReadOnlyList<string> commandLine, string logPath, CancellationToken cancellationToken)
    {
        var unit = UnitName(vm.ServerId);
        var properties = UnitProperties(vm, commandLine, logPath).Select(p => (p.Name, p.Value)).ToArray();
        try
        {
            await StartUnitAsync(unit, properties, cancellationToken);
        }
        catch (Exception error) when (error is not DriverException && IsBusFailure(error) && !cancellationToken.IsCancellationRequested)
        {
            throw new DriverException($"systemd could not start {unit}: {error.Message}", error);
        }
        LogStartedUnit(unit);

        // With Type=exec the job is done once the VMM was executed: its process is there to find.
        for (var i = 0; i < 100; i++)
        {
            if (VmmProcesses.Find(vm) is { } pid)
                return new LaunchedVmm(pid, () => VmmProcesses.IsVmm(pid, vm.ApiSocketPath) ? null : $"exited (journalctl -u {unit})");
            await Task.Delay(10, cancellationToken);
        }
        return new LaunchedVmm(0, () => $"exited at once (journalctl -u {unit})");
    }

    private async Task StartUnitAsync(string unit, (string, object)[] properties, CancellationToken cancellationToken)
    {
        using var connection = await ConnectAsync(cancellationToken);
        var manager = connection.CreateProxy<ISystemdManager>(ManagerService, ManagerPath);
        var jobs = new JobWatch();
        using (await WatchAsync(manager, jobs, cancellationToken))
        {
            ObjectPath job;
            try
            {
                job = await manager.StartTransientUnitAsync(unit, "fail", properties, []);
            }
            catch (DBusException error) when (error.ErrorName == "org.freedesktop.systemd1.UnitExists")
            {
                // A unit of an earlier boot of this VM still loaded (failed, or stopping): clear it and try once more.
                await StopAsync(manager, jobs, unit, cancellationToken);
                await IgnoreBusErrors(manager.ResetFailedUnitAsync(unit));
                job = await manager.StartTransientUnitAsync(unit, "fail", properties, []);
            }
            var result = await jobs.WaitAsync(job, JobTimeout, cancellationToken);
            if (result != "done")
                throw new DriverException($"systemd could not start {unit}: its start job ended '{result}' (journalctl -u {unit}).");
        }
    }

    public async Task EndAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        var unit = UnitName(vm.ServerId);
        try
        {
            using var connection = await ConnectAsync(cancellationToken);
            var manager = connection.CreateProxy<ISystemdManager>(ManagerService, ManagerPath);
            var jobs = new JobWatch();
            using (await WatchAsync(manager, jobs, cancellationToken))
                await StopAsync(manager, jobs, unit, cancellationToken);
        }
        catch (Exception error) when (IsBusFailure(error) && !cancellationToken.IsCancellationRequested)
        {
            LogBusFailed(unit, error.Message);
        }
        // Whatever systemd said, no process of this VM may outlive its end.
        await VmmProcesses.KillAsync(vm);
    }

    /// <summary>Stops the unit and waits for the job; a unit that is not loaded is already gone. SIGKILL when the stop fails.</summary>
    private async Task StopAsync(ISystemdManager manager, JobWatch jobs, string unit, CancellationToken cancellationToken)
    {
        ObjectPath job;
        try
        {
            job = await manager.StopUnitAsync(unit, "replace");
        }
        catch (DBusException error) when (error.ErrorName is "org.freedesktop.systemd1.NoSuchUnit" or "org.freedesktop.DBus.Error.UnknownObject")
        {
            return;
        }
        string result;
        try
        {
            result = await jobs.WaitAsync(job, JobTimeout, cancellationToken);
        }
        catch (DriverException)
        {
            result = "timeout";
        }
        if (result != "done")
        {
            LogStopFailed(unit, result);
            await IgnoreBusErrors(manager.KillUnitAsync(unit, "all", 9));
        }
    }

    private async Task<Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = new Connection(BusAddress);
        try
        {
            await connection.ConnectAsync().WaitAsync(BusTimeout, cancellationToken);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Subscribes to job signals before the call that makes the job, so its JobRemoved is never missed.</summary>
    private static async Task<IDisposable> WatchAsync(ISystemdManager manager, JobWatch jobs, CancellationToken cancellationToken)
    {
        var watch = await manager.WatchJobRemovedAsync(jobs.Removed).WaitAsync(BusTimeout, cancellationToken);
        await manager.SubscribeAsync().WaitAsync(BusTimeout, cancellationToken);
        return watch;
    }

    private static async Task IgnoreBusErrors(Task call)
    {
        try
        {
            await call;
        }
        catch (DBusException)
        {
            // Best effort: the unit may be gone already.
        }
    }

    private static bool IsBusFailure(Exception error) =>
        error is ConnectException or DBusException or DisconnectedException or ProtocolException or IOException or TimeoutException
            or System.Net.Sockets.SocketException or InvalidOperationException;

    /// <summary>The results of the jobs systemd finished, as its JobRemoved signals report them.</summary>
    private sealed class JobWatch
    {
        private readonly ConcurrentDictionary<ObjectPath, string> _finished = new();
        private readonly SemaphoreSlim _signal = new(0);

        public void Removed((uint Id, ObjectPath Job, string Unit, string Result) job)
        {
            _finished[job.Job] = job.Result;
            _signal.Release();
        }

        public async Task<string> WaitAsync(ObjectPath job, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            string? result;
            while (!_finished.TryGetValue(job, out result))
            {
                try
                {
                    await _signal.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DriverException($"systemd did not finish job {job} within {timeout.TotalSeconds:F0} s.");
                }
            }
            return result;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started the transient unit {Unit}")]
    private partial void LogStartedUnit(string unit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping {Unit} ended '{Result}'; killing it")]
    private partial void LogStopFailed(string unit, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "systemd did not answer while ending {Unit} ({Reason}); ending its process directly")]
    private partial void LogBusFailed(string unit, string reason);
}
