namespace CloudBox.Compute.Drivers;

/// <summary>Everything needed to run one server's VM; all files live in its instance directory.</summary>
public sealed record VmDefinition(
    string ServerId,
    string InstanceDirectory,
    string KernelPath,
    string? InitrdPath,
    string CommandLine,
    int MemoryMiB,
    int Vcpus,
    IReadOnlyList<VmDisk> Disks)
{
    public string ConsoleLogPath => Path.Combine(InstanceDirectory, "console.log");
    public string ApiSocketPath => Path.Combine(InstanceDirectory, "api.sock");

    /// <summary>The network interfaces, in the order the guest sees them.</summary>
    public IReadOnlyList<VmNic> Nics { get; init; } = [];

    /// <summary>The network namespace the taps live in (Networking's data plane's), null for the host's: the VMM opens them there.</summary>
    public string? TapNamespace { get; init; }
}

public sealed record VmDisk(string Path, bool ReadOnly);

/// <summary>A virtio-net device on a host tap (made by Networking on the network's bridge) with the port's MAC.</summary>
public sealed record VmNic(string Tap, string Mac);
