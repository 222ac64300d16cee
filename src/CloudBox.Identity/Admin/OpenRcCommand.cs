using CloudBox.Core.Configuration;
using CloudBox.Core.Modules;
using CloudBox.Identity.Bootstrap;

namespace CloudBox.Identity.Admin;

/// <summary><c>cloudbox admin openrc</c>: prints the administrator's openrc, to source or save.</summary>
public sealed class OpenRcCommand(CloudBoxOptions options) : IAdminCommand
{
    public string Name => "openrc";

    public string Usage => "openrc                                         print the administrator's openrc (source it, then use 'openstack')";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var path = OpenRcFile.PathIn(options.DataDirectory);
        if (!File.Exists(path))
        {
            await output.WriteLineAsync($"cloudbox admin openrc: {path} does not exist; run 'cloudbox admin reset-password' to set a new admin password and write it");
            return 1;
        }
        await output.WriteAsync(await File.ReadAllTextAsync(path, cancellationToken));
        return 0;
    }
}
