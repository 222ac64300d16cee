using CloudBox.Compute.Servers;
using CloudBox.Core.Modules;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Networking;

/// <summary>
/// At start, finishes the interface attaches and detaches a crash cut short on this host's servers
/// (see <see cref="ServerNetworks.SettleAsync"/>): no port stays half-attached, bound to a server
/// whose row and VM do not have it, and a recorded port the running VM lacks is plugged.
/// </summary>
public sealed partial class InterfaceSettler(ServerStore servers, ServerNetworks networks, ComputeSettings settings, ILogger<InterfaceSettler> logger)
    : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!networks.Available)
            return;
        var onHost = (await servers.ListOnHostAsync(settings.HostName, cancellationToken))
            .Where(s => s.VmState is not (ServerStates.Building or ServerStates.Deleted) && s.TaskState is not ServerStates.Deleting)
            .ToList();
        if (onHost.Count == 0)
            return;
        var ports = await networks.ListAsync([.. onHost.Select(s => s.Id)], cancellationToken);
        foreach (var server in onHost)
        {
            if (!ports.TryGetValue(server.Id, out var bound))
                continue;
            try
            {
                var (released, plugged) = await networks.SettleAsync(server, bound, cancellationToken);
                if (released + plugged > 0)
                    LogSettled(server.Id, released, plugged);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(server.Id, error.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server {ServerId}: settled interfaces a crash interrupted: {Released} half-attached ports released, {Plugged} recorded ports plugged")]
    private partial void LogSettled(string serverId, int released, int plugged);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server {ServerId}: could not settle its interfaces: {Reason}")]
    private partial void LogFailed(string serverId, string reason);
}
