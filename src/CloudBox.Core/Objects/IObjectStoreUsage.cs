namespace CloudBox.Core.Objects;

/// <summary>One container of a project's object store and what it holds (Swift's X-Container-Object-Count and -Bytes-Used).</summary>
public sealed record ContainerUsage(string ProjectId, string Container, long Objects, long Bytes);

/// <summary>Every container of every project, a page at a time (implemented by Objects, used by Telemetry's pollster), in process.</summary>
public interface IObjectStoreUsage
{
    /// <summary>
    /// Containers after (<paramref name="afterProject"/>, <paramref name="afterContainer"/>) in
    /// (project, container) order (all from "", ""), at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<ContainerUsage>> ListAsync(string afterProject, string afterContainer, int limit, CancellationToken cancellationToken);
}

/// <summary>No Objects module: no containers.</summary>
public sealed class NoObjectStoreUsage : IObjectStoreUsage
{
    public Task<IReadOnlyList<ContainerUsage>> ListAsync(string afterProject, string afterContainer, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerUsage>>([]);
}
