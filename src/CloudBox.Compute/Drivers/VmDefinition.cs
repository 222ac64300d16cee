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
}

public sealed record VmDisk(string Path, bool ReadOnly);
