using CloudBox.Compute.Servers;

namespace CloudBox.Compute.Build;

/// <summary>Chooses the host a server runs on. One node today; the seam is where a multi-node scheduler goes.</summary>
public interface IScheduler
{
    Task<string> SelectHostAsync(ServerRecord server, CancellationToken cancellationToken);
}

/// <summary>Places every server on this node.</summary>
public sealed class ThisNodeScheduler(ComputeSettings settings) : IScheduler
{
    public Task<string> SelectHostAsync(ServerRecord server, CancellationToken cancellationToken) => Task.FromResult(settings.HostName);
}
