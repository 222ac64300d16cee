namespace CloudBox.Compute.Build;

/// <summary>Where each server's files live: <c>DATA/compute/instances/&lt;id&gt;/</c> (root disk, kernel, config drive, console log, control socket).</summary>
public sealed class InstancePaths(string dataDirectory)
{
    public string Root { get; } = Path.Combine(dataDirectory, "compute", "instances");

    public string DirectoryOf(string serverId) => Path.Combine(Root, serverId);

    public string RootDisk(string serverId) => Path.Combine(DirectoryOf(serverId), "disk.raw");

    public string Kernel(string serverId) => Path.Combine(DirectoryOf(serverId), "kernel");

    public string Initrd(string serverId) => Path.Combine(DirectoryOf(serverId), "initrd");

    /// <summary>The command line read from the root disk's boot configuration (servers whose image has no kernel).</summary>
    public string CommandLine(string serverId) => Path.Combine(DirectoryOf(serverId), "cmdline");

    public string ConfigDrive(string serverId) => Path.Combine(DirectoryOf(serverId), "config-2.iso");

    public string ConsoleLog(string serverId) => Path.Combine(DirectoryOf(serverId), "console.log");

    public void Delete(string serverId)
    {
        var directory = DirectoryOf(serverId);
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }
}
