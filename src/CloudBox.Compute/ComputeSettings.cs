using CloudBox.Compute.Drivers;

namespace CloudBox.Compute;

/// <summary>Tunables of the Compute module; tests shorten the intervals and plug in their own driver.</summary>
public sealed class ComputeSettings
{
    /// <summary>Creates the hypervisor driver; null means <see cref="VmmProcessDriver"/> (one <c>cloudbox vmm</c> per VM).</summary>
    public Func<IServiceProvider, IHypervisorDriver>? Driver { get; set; }

    /// <summary>The binary started as <c>BINARY vmm …</c>; the running executable when empty.</summary>
    public string VmmBinary { get; set; } = "";

    /// <summary>This node's name, as <c>host</c> and hypervisor hostname.</summary>
    public string HostName { get; set; } = Environment.MachineName;

    public TimeSpan BuildPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often VMs are reconciled with the database (Nova's sync_power_state_interval); CLOUDBOX_POWER_SYNC_INTERVAL (seconds) sets it for <c>serve</c>.</summary>
    public TimeSpan PowerSyncInterval { get; set; } = SecondsFromEnvironment("CLOUDBOX_POWER_SYNC_INTERVAL") ?? TimeSpan.FromSeconds(60);

    /// <summary>
    /// How new VMs are supervised: <c>auto</c> (a transient systemd unit where systemd is PID 1 and
    /// answers on the bus, else a detached process), <c>systemd</c> or <c>detached</c>; CLOUDBOX_VM_SUPERVISION sets it for <c>serve</c>.
    /// </summary>
    public string Supervision { get; set; } = Environment.GetEnvironmentVariable("CLOUDBOX_VM_SUPERVISION") is { Length: > 0 } value ? value : "auto";

    /// <summary>The D-Bus address systemd is reached at; empty means the system bus.</summary>
    public string SystemdBusAddress { get; set; } = "";

    /// <summary>The slice VM units run in.</summary>
    public string SystemdSlice { get; set; } = "cloudbox-vms.slice";

    /// <summary>Memory a VMM may use beyond its guest's RAM (device buffers, the runtime) before systemd's MemoryMax stops it; negative: no cap.</summary>
    public int VmMemoryOverheadMiB { get; set; } = 256;

    /// <summary>
    /// Whether each VMM confines itself (own namespaces and cgroup, an unprivileged uid, seccomp: see the README's VM
    /// confinement). On unless CLOUDBOX_VM_JAIL=0 (development only). A restarted serve reattaches to confined VMMs.
    /// </summary>
    public bool ConfineVms { get; set; } = Environment.GetEnvironmentVariable("CLOUDBOX_VM_JAIL") != "0";

    /// <summary>The first uid (and gid) of the range confined VMMs run as, one per VM, picked from the server's id.</summary>
    public uint VmUidBase { get; set; } = 900_000;

    /// <summary>How many uids the range holds.</summary>
    public uint VmUidCount { get; set; } = 100_000;

        /// <summary>How long a graceful stop may take before the VM is killed.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    private static TimeSpan? SecondsFromEnvironment(string name) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    /// <summary>Default quota limits (Nova's defaults).</summary>
    public IReadOnlyDictionary<string, int> DefaultQuotas { get; set; } = new Dictionary<string, int>
    {
        ["instances"] = 10,
        ["cores"] = 20,
        ["ram"] = 51200,
        ["key_pairs"] = 100,
        ["metadata_items"] = 128,
        ["injected_files"] = 5,
        ["injected_file_content_bytes"] = 10240,
        ["injected_file_path_bytes"] = 255,
        ["server_groups"] = 10,
        ["server_group_members"] = 10,
    };
}
