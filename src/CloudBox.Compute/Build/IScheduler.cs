using CloudBox.Compute.Servers;

namespace CloudBox.Compute.Build;

/// <summary>Chooses the host a server runs on. One node today; the seam is where a multi-node scheduler goes.</summary>
public interface IScheduler
{
    /// <summary>Picks and records the server's host; <see cref="NoValidHostException"/> when no host may take it.</summary>
    Task<string> SelectHostAsync(ServerRecord server, CancellationToken cancellationToken);
}

/// <summary>Places every server on this node, when the policy of the server's group allows it.</summary>
public sealed class ThisNodeScheduler(ComputeSettings settings, ServerGroups.GroupPlacement groups) : IScheduler
{
    public async Task<string> SelectHostAsync(ServerRecord server, CancellationToken cancellationToken)
    {
        await groups.ClaimAsync(server, settings.HostName, cancellationToken);
        return settings.HostName;
    }
}
