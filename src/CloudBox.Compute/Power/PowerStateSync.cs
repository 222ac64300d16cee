using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.InstanceActions;
using CloudBox.Compute.Servers;
using CloudBox.Core.Ids;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Power;

/// <summary>
/// Reconciles the database with the VMs that really run on this node, at start (reattaching to
/// VMs that kept running while <c>serve</c> was down) and then periodically, as Nova's
/// <c>_sync_power_states</c> does: a VM that powered off makes its server SHUTOFF; a server
/// recorded as stopped whose VM runs is stopped; an action interrupted by a crash is settled
/// from what the hypervisor reports, and an interrupted delete is finished. VMs are never started
/// or stopped because <c>serve</c> itself started or stopped: they outlive it.
/// </summary>
public sealed partial class PowerStateSync(
    ServerStore servers, IHypervisorDriver driver, VmDefinitions definitions, ServerDeleter deleter, InstanceActionStore actions, ComputeSettings settings,
    TimeProvider clock, ILogger<PowerStateSync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(first, stoppingToken);
                first = false;
                await Task.Delay(settings.PowerSyncInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogSyncFailed(error);
                await Task.Delay(settings.PowerSyncInterval, stoppingToken);
            }
        }
    }

    public async Task SyncAsync(bool afterStart, CancellationToken cancellationToken)
    {
        var running = 0;
        foreach (var server in await servers.ListOnHostAsync(settings.HostName, cancellationToken))
        {
            if (server.VmState == ServerStates.Building)
                continue; // the build worker owns it
            try
            {
                if (await SyncOneAsync(server, afterStart, cancellationToken) is PowerState.Running or PowerState.Paused)
                    running++;
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                LogServerFailed(server.Id, error.Message);
            }
        }
        if (afterStart)
            LogReattached(running);
    }

    /// <summary>Reconciles one server; returns its VM's power state.</summary>
    private async Task<int> SyncOneAsync(ServerRecord server, bool afterStart, CancellationToken cancellationToken)
    {
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        if (server.TaskState == ServerStates.Deleting)
        {
            if (afterStart)
            {
                await deleter.DeleteAsync(server, cancellationToken);
                LogFinishedDelete(server.Id);
            }
            return PowerState.NoState;
        }
        var vm = definitions.For(server);
        var power = await driver.GetPowerStateAsync(vm, cancellationToken);
        if (power == PowerState.NoState)
        {
            // Its VMM runs but did not answer: nothing is known, so nothing is changed; the next pass asks again.
            LogUnanswered(server.Id);
            return power;
        }
        if (server.TaskState is not null)
        {
            // Only after a restart is a task certainly orphaned; while serving, the action is still running.
            if (!afterStart)
                return power;
            var settled = power switch
            {
                PowerState.Running => ServerStates.Active,
                PowerState.Paused => server.VmState == ServerStates.Suspended ? ServerStates.Suspended : ServerStates.Paused,
                _ => ServerStates.Stopped,
            };
            if (server.VmState == ServerStates.Error)
                settled = ServerStates.Error;
            await servers.TransitionAsync(server.Id, server.VmState, server.TaskState, settled, null, power, now, cancellationToken);
            LogSettled(server.Id, server.TaskState, settled);
            return power;
        }
        if (power == PowerState.Shutdown && server.VmState is ServerStates.Active or ServerStates.Paused && VmmExitReport.Read(vm.InstanceDirectory) is { } crash)
        {
            await RecordCrashAsync(server, crash, now, cancellationToken);
            return power;
        }
        switch (server.VmState)
        {
            case ServerStates.Active when power == PowerState.Shutdown:
            case ServerStates.Paused when power == PowerState.Shutdown:
            case ServerStates.Suspended when power == PowerState.Shutdown:
                if (await servers.TransitionAsync(server.Id, server.VmState, null, ServerStates.Stopped, null, PowerState.Shutdown, now, cancellationToken))
                {
                    // Nova's sync stops such an instance itself, which shows as a "stop" action by no user.
                    await actions.RecordAsync(new InstanceActionRecord
                    {
                        RequestId = Identifiers.NewRequestId(), ServerId = server.Id, Action = "stop", ProjectId = server.ProjectId, UserId = "",
                        StartTime = now,
                    }, cancellationToken);
                    LogPoweredOff(server.Id);
                }
                break;
            case ServerStates.Stopped when power != PowerState.Shutdown:
                // The listing may be older than a start that has since run: the stop is claimed (still stopped, no task)
                // before the VM is touched, so a server a user just started is not stopped again behind their back.
                if (!await servers.TransitionAsync(server.Id, ServerStates.Stopped, null, ServerStates.Stopped, ServerStates.PoweringOff, null, now, cancellationToken))
                    break;
                try
                {
                    await driver.StopAsync(vm, settings.ShutdownTimeout, cancellationToken);
                }
                catch
                {
                    await servers.TransitionAsync(server.Id, ServerStates.Stopped, ServerStates.PoweringOff, ServerStates.Stopped, null, null, now, CancellationToken.None);
                    throw;
                }
                await servers.TransitionAsync(server.Id, ServerStates.Stopped, ServerStates.PoweringOff, ServerStates.Stopped, null, PowerState.Shutdown, now, cancellationToken);
                break;
            default:
                if (server.PowerState != power && server.VmState != ServerStates.Error)
                    await servers.TransitionAsync(server.Id, server.VmState, null, server.VmState, null, power, now, cancellationToken);
                break;
        }
        return power;
    }

    /// <summary>
    /// The VMM stopped on its own and said why (a KVM internal error, a triple fault, a guest crash):
    /// the server goes to ERROR with that reason as its fault, and an instance action records it.
    /// </summary>
    private async Task RecordCrashAsync(ServerRecord server, (string Reason, string Details) crash, string now, CancellationToken cancellationToken)
    {
        var message = $"The VM of instance {server.Id} stopped on its own: {crash.Reason}";
        var fault = ServerFaults.Json(500, message, crash.Details, clock.GetUtcNow());
        if (!await servers.TransitionAsync(server.Id, server.VmState, null, ServerStates.Error, null, PowerState.Crashed, now, cancellationToken, fault))
            return;
        await actions.RecordAsync(new InstanceActionRecord
        {
            RequestId = Identifiers.NewRequestId(), ServerId = server.Id, Action = "stop", ProjectId = server.ProjectId, UserId = "",
            StartTime = now, Message = message.Length > 255 ? message[..255] : message,
        }, cancellationToken);
        LogCrashed(server.Id, crash.Reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server {ServerId}: its VM stopped on its own ({Reason}); recorded as ERROR with a fault")]
    private partial void LogCrashed(string serverId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reattached to {Count} running VMs on this node")]
    private partial void LogReattached(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Server {ServerId}: its VM is off; recorded as stopped")]
    private partial void LogPoweredOff(string serverId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Server {ServerId}: task {TaskState} was interrupted; settled as {VmState}")]
    private partial void LogSettled(string serverId, string taskState, string vmState);

    [LoggerMessage(Level = LogLevel.Information, Message = "Server {ServerId}: finished a delete interrupted by a restart")]
    private partial void LogFinishedDelete(string serverId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server {ServerId}: its VMM runs but did not answer on its control socket; its state is left as it is")]
    private partial void LogUnanswered(string serverId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Power sync of server {ServerId} failed: {Reason}")]
    private partial void LogServerFailed(string serverId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The power-state sync failed; retrying")]
    private partial void LogSyncFailed(Exception error);
}
