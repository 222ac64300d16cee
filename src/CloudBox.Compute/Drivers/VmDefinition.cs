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

/// <summary>
/// A virtio disk. <paramref name="Id"/> names a volume's disk in the VMM's control API (and is the serial the guest
/// sees), as a hot-plugged one is named, so a detach can unplug it whether it was plugged live or opened at start;
/// null for the root disk and the config drive, which are never unplugged.
/// </summary>
public sealed record VmDisk(string Path, bool ReadOnly, string? Id = null);

/// <summary>A virtio-net device on a host tap (made by Networking on the network's bridge) with the port's MAC.</summary>
public sealed record VmNic(string Tap, string Mac);
