using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Core.Compute;

namespace CloudBox.Compute.Servers;

/// <summary>The servers placed on this host with their VMM pid, control socket and taps, for Telemetry.</summary>
internal sealed class ServerStatistics(ServerStore servers, VmDefinitions definitions, ComputeSettings settings) : IVmStatistics
{
    public async Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken)
    {
        var placed = await servers.ListOnHostAsync(settings.HostName, cancellationToken);
        var result = new List<RunningVm>(placed.Count);
        foreach (var server in placed)
        {
            var vm = definitions.For(server);
            var pid = server.VmState == ServerStates.Active ? VmmProcesses.Find(vm) : null;
            result.Add(new RunningVm(server.Id, server.Name, server.ProjectId, server.UserId, server.Vcpus, server.Ram, pid, vm.ApiSocketPath,
                [.. vm.TapNamespace is null ? vm.Nics.Select(n => n.Tap) : []], server.VmState));
        }
        return result;
    }

    public async Task<IReadOnlyList<VmDiskCounters>> DiskCountersAsync(RunningVm vm, CancellationToken cancellationToken) =>
        await VmmControlClient.DiskCountersAsync(vm.ControlSocket, cancellationToken) ?? [];

    public async Task<VmmCounters> CountersAsync(RunningVm vm, CancellationToken cancellationToken) =>
        await VmmControlClient.CountersAsync(vm.ControlSocket, cancellationToken) ?? new VmmCounters([], new Dictionary<string, long>());
}
