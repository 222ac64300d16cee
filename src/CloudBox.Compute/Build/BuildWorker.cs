using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Core.Ids;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Build;

/// <summary>
/// Drives servers in vm_state <c>building</c> through the pipeline, one durable step at a time:
/// <c>scheduling</c> (pick the host) → <c>block_device_mapping</c> (kernel, initrd, root disk,
/// config drive) → <c>spawning</c> (start the VM) → active. The step is the row's task_state, so
/// after a crash the worker picks the build up at the step it was in (each step is idempotent);
/// a step that fails puts the server in ERROR with a fault, never leaves it building.
/// </summary>
public sealed partial class BuildWorker(
    ServerStore servers, IScheduler scheduler, InstanceFiles files, VmDefinitions definitions, IHypervisorDriver driver, ServerDeleter deleter,
    Networking.ServerNetworks networks, ComputeSettings settings, BuildSignal signal, TimeProvider clock, ILogger<BuildWorker> logger, Core.Events.ICloudEvents events) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var building = await servers.ListBuildingAsync(stoppingToken);
                var mine = building.Where(s => s.Host is null || s.Host == settings.HostName).ToList();
                await Parallel.ForEachAsync(mine, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = stoppingToken },
                    async (server, token) => await BuildAsync(server, token));
                await signal.WaitAsync(settings.BuildPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogWorkerFailed(error);
                await Task.Delay(settings.BuildPollInterval, stoppingToken);
            }
        }
    }

    private string Now() => Timestamps.ToStorage(clock.GetUtcNow());

    public async Task BuildAsync(ServerRecord server, CancellationToken cancellationToken)
    {
        var step = server.TaskState;
        try
        {
            if (step is null or ServerStates.Scheduling)
            {
                var host = await scheduler.SelectHostAsync(server, cancellationToken);
                await servers.UpdateFieldsAsync(server.Id, "host = @host", new { server.Id, host }, cancellationToken);
                server.Host = host;
                if (!await Advance(server, step, ServerStates.BlockDeviceMapping, cancellationToken))
                    return;
                step = ServerStates.BlockDeviceMapping;
            }
            if (step == ServerStates.BlockDeviceMapping)
            {
                await files.PrepareAsync(server, cancellationToken);
                if (!await Advance(server, step, ServerStates.Spawning, cancellationToken))
                    return;
                step = ServerStates.Spawning;
            }
            if (step == ServerStates.Spawning)
            {
                await driver.StartAsync(definitions.For(server), cancellationToken);
                if (!await servers.TransitionAsync(server.Id, ServerStates.Building, step, ServerStates.Active, null, PowerState.Running, Now(), cancellationToken, setLaunched: true))
                {
                    await CleanUpIfDeletedAsync(server);
                    return;
                }
                LogBuilt(server.Id);
                events.Publish(ServerEvents.Of(Core.Events.ResourceChange.Updated, server));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // stopping: the row keeps its step and the next start resumes it
        }
        catch (Exception error)
        {
            LogBuildFailed(server.Id, step ?? "scheduling", error.Message);
            var message = error is DriverException or NoValidHostException ? error.Message : $"Build of instance {server.Id} failed: {error.Message}";
            var fault = ServerFaults.Json(500, message, $"{error.GetType().Name}: {error.Message}", clock.GetUtcNow());
            if (!await servers.TransitionAsync(server.Id, ServerStates.Building, step, ServerStates.Error, null, PowerState.NoState, Now(), CancellationToken.None, fault))
                await CleanUpIfDeletedAsync(server);
            else
                await networks.ReleaseAfterFailedBuildAsync(server);
        }
    }

    private async Task<bool> Advance(ServerRecord server, string? from, string to, CancellationToken cancellationToken)
    {
        if (await servers.TransitionAsync(server.Id, ServerStates.Building, from, ServerStates.Building, to, null, Now(), cancellationToken))
            return true;
        await CleanUpIfDeletedAsync(server);
        return false;
    }

    /// <summary>The server was deleted while this step ran: undo what the step made.</summary>
    private async Task CleanUpIfDeletedAsync(ServerRecord server)
    {
        var current = await servers.FindAsync(server.Id, CancellationToken.None);
        if (current is null || current.Deleted)
            await deleter.DestroyAsync(server, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Server {ServerId} is active")]
    private partial void LogBuilt(string serverId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Build of server {ServerId} failed at {Step}: {Reason}")]
    private partial void LogBuildFailed(string serverId, string step, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The build worker failed; retrying")]
    private partial void LogWorkerFailed(Exception error);
}
