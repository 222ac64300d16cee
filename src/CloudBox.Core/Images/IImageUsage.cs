namespace CloudBox.Core.Images;

/// <summary>An image as a meter sees it: its owner, name, formats, status and the size of its data.</summary>
public sealed record ImageUsage(string Id, string? Owner, string? Name, string Status, string? DiskFormat, string? ContainerFormat, long? Size);

/// <summary>Every image of the cloud, a page at a time (implemented by Images, used by Telemetry's pollster), in process.</summary>
public interface IImageUsage
{
    /// <summary>Images whose id sorts after <paramref name="after"/> (all from ""), by id, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ImageUsage>> ListAsync(string after, int limit, CancellationToken cancellationToken);
}

/// <summary>No Images module: no images.</summary>
public sealed class NoImageUsage : IImageUsage
{
    public Task<IReadOnlyList<ImageUsage>> ListAsync(string after, int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ImageUsage>>([]);
}
