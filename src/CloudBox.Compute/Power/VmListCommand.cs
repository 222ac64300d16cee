using System.Globalization;
using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Core.Modules;

namespace CloudBox.Compute.Power;

/// <summary>
/// <c>cloudbox admin vms</c>: this node's servers as the operator looks for them: how each VM is
/// supervised (systemd unit or detached process), its VMM's pid, and what its control socket says,
/// next to the status the database records.
/// </summary>
public sealed class VmListCommand(ServerStore servers, VmDefinitions definitions, ComputeSettings settings) : IAdminCommand
{
    public string Name => "vms";

    public string Usage => "vms                                            list this node's VMs: status, supervision (systemd unit or detached), VMM pid and state";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var rows = new List<string[]> { new[] { "SERVER", "NAME", "STATUS", "SUPERVISION", "PID", "VMM" } };
        foreach (var server in await servers.ListOnHostAsync(settings.HostName, cancellationToken))
        {
            var vm = definitions.For(server);
            var launcher = Directory.Exists(vm.InstanceDirectory) ? VmLaunchers.RecordedName(vm) : null;
            var pid = Directory.Exists(vm.InstanceDirectory) ? VmmProcesses.Find(vm) : null;
            var state = await VmmControlClient.StateAsync(vm.ApiSocketPath, cancellationToken);
            rows.Add(
            [
                server.Id,
                server.Name,
                ServerStates.Status(server.VmState, server.TaskState),
                launcher switch
                {
                    null => "-",
                    SystemdUnitLauncher.LauncherName => $"systemd ({SystemdUnitLauncher.UnitName(server.Id)})",
                    _ => launcher,
                },
                pid?.ToString(CultureInfo.InvariantCulture) ?? "-",
                state?.ToString().ToLowerInvariant() ?? "not running",
            ]);
        }
        await AdminTable.WriteAsync(output, rows);
        return 0;
    }
}
