using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Core.Ids;

namespace CloudBox.Compute.Servers;

/// <summary>Deletes a server: kills its VM, removes its instance directory, gives back its ports and volumes, marks the row deleted and takes it out of its server group.</summary>
public sealed class ServerDeleter(ServerStore servers, IHypervisorDriver driver, VmDefinitions definitions, InstancePaths paths, Networking.ServerNetworks networks,
    Volumes.ServerVolumes volumes, ServerGroups.ServerGroupStore groups, TimeProvider clock, Core.Events.ICloudEvents events)
{
    public async Task DeleteAsync(ServerRecord server, CancellationToken cancellationToken)
    {
        await servers.UpdateFieldsAsync(server.Id, "task_state = @deleting, updated_at = @now",
            new { server.Id, deleting = ServerStates.Deleting, now = Timestamps.ToStorage(clock.GetUtcNow()) }, cancellationToken);
        await DestroyAsync(server, cancellationToken);
        await networks.ReleaseAsync(server.Id, cancellationToken);
        await servers.MarkDeletedAsync(server.Id, Timestamps.ToStorage(clock.GetUtcNow()), cancellationToken);
        events.Publish(ServerEvents.Of(Core.Events.ResourceChange.Deleted, server));
        await groups.RemoveServerAsync(server.Id, cancellationToken);
    }

    /// <summary>Kills the VM (if one was ever placed) and removes the server's files.</summary>
    public async Task DestroyAsync(ServerRecord server, CancellationToken cancellationToken)
    {
        if (server.Host is not null && Directory.Exists(paths.DirectoryOf(server.Id)))
            await driver.DestroyAsync(definitions.For(server), cancellationToken);
        await volumes.ReleaseAsync(server.Id, cancellationToken);
        paths.Delete(server.Id);
    }
}
