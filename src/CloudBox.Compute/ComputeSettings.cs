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
    public TimeSpan PowerSyncInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a graceful stop may take before the VM is killed.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

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
