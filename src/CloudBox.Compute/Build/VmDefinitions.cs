using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Core.Networking;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Compute.Build;

/// <summary>Turns a server row and its instance directory into the VM the driver runs.</summary>
public sealed class VmDefinitions(InstancePaths paths, IServiceProvider services)
{
    /// <summary>Networking is optional (and resolved late: it may be registered after Compute).</summary>
    private readonly Lazy<INetworkPorts?> _ports = new(services.GetService<INetworkPorts>);

    /// <summary>Used when the image names no <c>os_command_line</c>: serial console, root on the first virtio disk.</summary>
    public const string DefaultCommandLine = "console=ttyS0 root=/dev/vda rw";

    public VmDefinition For(ServerRecord server)
    {
        var image = ImageSnapshot.Parse(server.Image);
        var disks = new List<VmDisk> { new(Volumes.ServerDisks.RootPath(paths, server.Id), false) };
        var configDrive = paths.ConfigDrive(server.Id);
        if (File.Exists(configDrive))
            disks.Add(new VmDisk(configDrive, true));
        disks.AddRange(Volumes.ServerDisks.DataDisks(paths, server.Id));
        var initrd = paths.Initrd(server.Id);
        return new VmDefinition(
            server.Id,
            paths.DirectoryOf(server.Id),
            paths.Kernel(server.Id),
            File.Exists(initrd) ? initrd : null,
            CommandLineOf(server.Id, image),
            server.Ram,
            server.Vcpus,
            disks) { Nics = Networking.NetworkInterfaces.Parse(server.NetworkInterfaces), TapNamespace = _ports.Value?.TapNamespace };
    }

    /// <summary>The root disk's own command line when the kernel came from it, else the image's, else the default.</summary>
    private string CommandLineOf(string serverId, ImageSnapshot image)
    {
        var fromDisk = paths.CommandLine(serverId);
        if (image.KernelFromDisk && File.Exists(fromDisk))
            return File.ReadAllText(fromDisk).Trim();
        return string.IsNullOrWhiteSpace(image.CommandLine) ? DefaultCommandLine : image.CommandLine;
    }
}
