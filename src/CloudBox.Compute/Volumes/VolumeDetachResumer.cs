using CloudBox.Compute.Servers;
using CloudBox.Core.Modules;

namespace CloudBox.Compute.Volumes;

/// <summary>
/// At start, finishes in the background the volume detaches this host accepted before a crash
/// (<see cref="VolumeDetachWorker"/>): the disk is unplugged if the VM still has it and the volume
/// becomes <c>available</c>, whether Volumes' own start-up settling had put it back <c>in-use</c> or not.
/// </summary>
public sealed class VolumeDetachResumer(ServerStore servers, ServerVolumes volumes, VolumeDetachWorker worker) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (volumes.Attachments is null)
            return;
        foreach (var (serverId, volumeId) in await worker.PendingAsync(cancellationToken))
        {
            var server = await servers.FindAsync(serverId, cancellationToken);
            if (server is null)
                continue; // deleted with its server: the delete released every volume
            worker.Start(server, volumeId);
        }
    }
}
