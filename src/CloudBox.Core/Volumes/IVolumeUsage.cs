namespace CloudBox.Core.Volumes;

/// <summary>A volume as a meter sees it: whose it is, its name, status and size.</summary>
public sealed record VolumeUsage(string Id, string ProjectId, string UserId, string? Name, string Status, int SizeGb);

/// <summary>Every volume of the cloud, a page at a time (implemented by Volumes, used by Telemetry's pollster), in process.</summary>
public interface IVolumeUsage
{
    /// <summary>Volumes whose id sorts after <paramref name="after"/> (all from ""), by id, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<VolumeUsage>> ListAsync(string after, int limit, CancellationToken cancellationToken);
}

/// <summary>No Volumes module: no volumes.</summary>
public sealed class NoVolumeUsage : IVolumeUsage
{
    public Task<IReadOnlyList<VolumeUsage>> ListAsync(string after, int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<VolumeUsage>>([]);
}
