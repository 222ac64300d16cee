using CloudBox.Hypervisor;
using CloudBox.Hypervisor.Configuration;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// Runs each VM as its own <c>cloudbox vmm</c> process, started by an <see cref="IVmLauncher"/> (a
/// transient systemd unit where systemd runs, else a detached process) so it outlives <c>serve</c>;
/// its control socket and console log live in the instance directory, so a restarted <c>serve</c>
/// finds it again through the socket alone.
/// </summary>
public sealed partial class VmmProcessDriver(ComputeSettings settings, VmLaunchers launchers, ILogger<VmmProcessDriver> logger) : IHypervisorDriver
{
    public string HypervisorType => "CloudBox-KVM";

    /// <summary>
    /// How long a started VMM has to answer on its control socket. A confined one re-executes itself into its namespaces
    /// and loads the runtime twice, which takes seconds on a loaded two-core host.
    /// </summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private string Binary => string.IsNullOrEmpty(settings.VmmBinary) ? Environment.ProcessPath ?? "cloudbox" : settings.VmmBinary;

    public async Task StartAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        if (await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is VmState.Running or VmState.Paused or VmState.Created)
            return;
        if (!File.Exists(Binary))
            throw new DriverException($"The VMM binary {Binary} does not exist.");
        await EndLingeringAsync(vm, cancellationToken);
        File.Delete(vm.ApiSocketPath);
        var launcher = await launchers.PreferredAsync(cancellationToken);
        var config = ConfigOf(vm, launcher);
        var configPath = Path.Combine(vm.InstanceDirectory, ConfigFileName);
        VmConfigFile.Write(configPath, config);
        // The control socket stays on the command line: it is how a VMM process is told apart from any other (VmmProcesses).
        List<string> arguments = [Binary, "vmm", "--config", configPath, "--api-socket", vm.ApiSocketPath];

        var log = Path.Combine(vm.InstanceDirectory, "vmm.log");
        // The new VMM writes console.log afresh: keep what the last run printed; and read only this run's vmm.log when it stops.
        ConsoleHistory.Keep(vm.ConsoleLogPath);
        VmmExitReport.MarkStart(vm.InstanceDirectory);
        await VmLaunchers.RecordAsync(vm, launcher);
        var launched = await launcher.LaunchAsync(vm, arguments, log, cancellationToken);
        if (launched.Pid > 0)
            await VmmProcesses.RecordAsync(vm, launched.Pid);

        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is VmState.Running or VmState.Created)
            {
                LogStarted(vm.ServerId, launched.Pid, launcher.Name);
                return;
            }
            if (launched.ExitReason() is { } exited)
                throw new DriverException($"The VMM ({Binary} vmm) {exited} before it was ready: {Tail(log)}".TrimEnd(' ', ':'));
            await Task.Delay(20, cancellationToken);
        }
        throw new DriverException($"The VMM did not open its control socket within {ReadyTimeout.TotalSeconds:F0} s: {Tail(log)}".TrimEnd(' ', ':'));
    }

    public async Task<HotplugResult> AttachDiskAsync(VmDefinition vm, VmDisk disk, CancellationToken cancellationToken)
    {
        var id = disk.Id ?? throw new ArgumentException("A hot-plugged disk needs an id.", nameof(disk));
        return await VmmControlClient.AddDiskAsync(vm.ApiSocketPath, id, disk.Path, disk.ReadOnly, id, cancellationToken) switch
        {
            null => HotplugResult.NoVm,
            { Status: 200 or 204 } => HotplugResult.Done,
            // Not running, or it has the disk already: the definition's next start opens it.
            { Status: 409 } answer => new(HotplugOutcome.NoVm, Said(answer)),
            // No such route: a VMM without disk hot-plug.
            { Status: 404 or 405 or 501 } answer => new(HotplugOutcome.Unsupported, Said(answer)),
            { } answer => new(HotplugOutcome.Failed, Said(answer)),
        };
    }

    public async Task<HotplugResult> DetachDiskAsync(VmDefinition vm, string diskId, CancellationToken cancellationToken) =>
        Removal(await VmmControlClient.RemoveDiskAsync(vm.ApiSocketPath, diskId, cancellationToken));

    public async Task<HotplugResult> AttachNicAsync(VmDefinition vm, VmNic nic, CancellationToken cancellationToken) =>
        await VmmControlClient.AddNetAsync(vm.ApiSocketPath, nic.Tap, nic.Tap, nic.Mac, cancellationToken, vm.TapNamespace) switch
        {
            null => HotplugResult.NoVm,
            { Status: 200 or 204 } => HotplugResult.Done,
            { Status: 404 or 405 or 501 } answer => new(HotplugOutcome.Unsupported, Said(answer)),
            // Between two boots: the next one plugs it.
            { Status: 409 } answer when answer.Body.Contains("not running", StringComparison.Ordinal) => new(HotplugOutcome.NoVm, Said(answer)),
            { } answer => new(HotplugOutcome.Failed, Said(answer)),
        };

    public async Task<HotplugResult> DetachNicAsync(VmDefinition vm, string nicId, CancellationToken cancellationToken) =>
        Removal(await VmmControlClient.RemoveNetAsync(vm.ApiSocketPath, nicId, cancellationToken));

    public Task<IReadOnlyList<string>?> NicIdsAsync(VmDefinition vm, CancellationToken cancellationToken) =>
        VmmControlClient.NetIdsAsync(vm.ApiSocketPath, cancellationToken);

    /// <summary>
    /// A removal's answer: gone (204), or never there (404, also a VMM without the route: a device it could not plug live
    /// came from the definition and is gone at the next start, which no longer has it); not running (409 or no answer).
    /// </summary>
    private static HotplugResult Removal((int Status, string Body)? answer) => answer switch
    {
        null => HotplugResult.NoVm,
        { Status: 200 or 204 or 404 } => HotplugResult.Done,
        { Status: 409 } removed => new(HotplugOutcome.NoVm, Said(removed)),
        { Status: 405 or 501 } removed => new(HotplugOutcome.Unsupported, Said(removed)),
        { } removed => new(HotplugOutcome.Failed, Said(removed)),
    };

    private static string Said((int Status, string Body) answer) => $"{answer.Status} {answer.Body}".Trim();

    /// <summary>The file in the instance directory the VMM reads its configuration from.</summary>
    public const string ConfigFileName = "vm.json";

    /// <summary>What the VMM is told to run: the definition, where its console and control socket go, and its confinement.</summary>
    private VmConfig ConfigOf(VmDefinition vm, IVmLauncher launcher) => new()
    {
        KernelPath = vm.KernelPath,
        InitrdPath = vm.InitrdPath,
        CommandLine = vm.CommandLine,
        MemoryMiB = vm.MemoryMiB,
        Vcpus = vm.Vcpus,
        Disks = [.. vm.Disks.Select(d => new DiskConfig { Path = d.Path, ReadOnly = d.ReadOnly, Id = d.Id, Serial = d.Id })],
        Nets = [.. vm.Nics.Select(n => new NetConfig { Tap = n.Tap, Mac = n.Mac })],
        // Also without NICs: those attached later are opened in the same namespace.
        NetworkNamespace = vm.TapNamespace,
        // The guest's SMBIOS system UUID is the server's id, as Nova's (cloud-init and dmidecode read it).
        Uuid = Guid.TryParse(vm.ServerId, out _) ? vm.ServerId : null,
        Console = vm.ConsoleLogPath,
        ApiSocket = vm.ApiSocketPath,
        // No NoReboot: a guest that reboots itself stays up in the same VMM, as on any cloud.
        // Confined: its own uid from the range; a systemd unit has its own cgroup (MemoryMax, CPUQuota), a detached VMM makes one.
        Jail = settings.ConfineVms,
        JailUid = settings.ConfineVms ? VmUid(vm.ServerId) : null,
        Cgroup = settings.ConfineVms && launcher is DetachedProcessLauncher ? CgroupName(vm) : null,
    };

    /// <summary>
    /// Ends a VMM process of this VM that no longer runs a guest but has not exited (its VM
    /// stopped), or that does not answer, through the launcher that started it; only a process whose command line names
    /// this VM's control socket is ever ended, so a recycled pid is never killed.
    /// </summary>
    private Task EndLingeringAsync(VmDefinition vm, CancellationToken cancellationToken) =>
        Directory.Exists(vm.InstanceDirectory) ? launchers.RecordedFor(vm).EndAsync(vm, cancellationToken) : Task.CompletedTask;

    /// <summary>The uid (and gid) <paramref name="serverId"/>'s VMM runs as: a stable pick (FNV-1a) from the configured range.</summary>
    public uint VmUid(string serverId)
    {
        var hash = 2166136261u;
        foreach (var c in serverId)
            hash = (hash ^ c) * 16777619u;
        return settings.VmUidBase + hash % Math.Max(1u, settings.VmUidCount);
    }

    /// <summary>The name of the cgroup a detached VMM makes for itself under cloudbox-vms/.</summary>
    public static string CgroupName(VmDefinition vm) => vm.ServerId;

        private static string Tail(string log) => File.Exists(log) ? string.Join(" | ", File.ReadLines(log).Where(l => l.Length > 0).TakeLast(3)) : "";

    /// <summary>
    /// What the VMM says; <see cref="PowerState.NoState"/> when its process runs but its control socket did not answer
    /// (busy, or stuck): unknown, which is not the same as off.
    /// </summary>
    public async Task<int> GetPowerStateAsync(VmDefinition vm, CancellationToken cancellationToken) =>
        await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) switch
        {
            VmState.Running or VmState.Created => PowerState.Running,
            VmState.Paused => PowerState.Paused,
            null when VmmProcesses.Find(vm) is not null => PowerState.NoState,
            _ => PowerState.Shutdown,
        };

    public async Task StopAsync(VmDefinition vm, TimeSpan grace, CancellationToken cancellationToken)
    {
        try
        {
            if (!await VmmControlClient.ActAsync(vm.ApiSocketPath, "shutdown", cancellationToken))
                return;
        }
        catch (DriverException)
        {
            // A VMM that does not answer (or refuses) cannot pass the power button on: its process is ended, as after the
            // grace, without asking it again (DestroyAsync would wait on its socket once more).
            await EndLingeringAsync(vm, cancellationToken);
            return;
        }
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline)
        {
            if (await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is null or VmState.Stopped)
            {
                await EndLingeringAsync(vm, cancellationToken);
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
        if (await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is VmState.Running or VmState.Paused or VmState.Created)
        {
            try
            {
                await VmmControlClient.ActAsync(vm.ApiSocketPath, "kill", cancellationToken);
            }
            catch (DriverException)
            {
                // It stopped between the two calls; the process is ended below either way.
            }
            for (var i = 0; i < 50 && await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken) is not null and not VmState.Stopped; i++)
                await Task.Delay(100, cancellationToken);
        }
        await EndLingeringAsync(vm, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started the VMM of server {ServerId} (pid {Pid}, {Launcher})")]
    private partial void LogStarted(string serverId, int pid, string launcher);

    public Task<Stream?> OpenSerialAsync(VmDefinition vm, CancellationToken cancellationToken) =>
        VmmSerialClient.OpenAsync(vm.ApiSocketPath, cancellationToken);
}
