using CloudBox.Core.Images;
using CloudBox.Core.Objects;
using CloudBox.Core.Volumes;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// Each interval, through the modules' Core interfaces (never their tables): <c>volume.size</c>
/// per volume, <c>image.size</c> per image, and per project's object store
/// <c>storage.objects</c>, <c>storage.objects.size</c> and <c>storage.objects.containers</c>
/// (a <c>swift_account</c> named by the project) with <c>storage.containers.objects</c> and
/// <c>.size</c> per container (a <c>swift_account</c> named <c>project_container</c>, as
/// Ceilometer does). Each kind is read a page at a time and its measures queued per page; a
/// resource that was not listed in a complete pass is ended.
/// </summary>
internal sealed partial class UsagePollster(IVolumeUsage volumes, IImageUsage images, IObjectStoreUsage objects, CollectorResources resources, MeasureService measures,
    TelemetrySettings settings, TimeProvider clock, ILogger<UsagePollster> logger) : BackgroundService
{
    public const int PageSize = 500;

    private static readonly IReadOnlyList<(string, string?)> VolumeMetrics = [("volume.size", "GB")];
    private static readonly IReadOnlyList<(string, string?)> ImageMetrics = [("image.size", "B")];
    private static readonly IReadOnlyList<(string, string?)> AccountMetrics = [("storage.objects", "object"), ("storage.objects.size", "B"), ("storage.objects.containers", "container")];
    private static readonly IReadOnlyList<(string, string?)> ContainerMetrics = [("storage.containers.objects", "object"), ("storage.containers.objects.size", "B")];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.PollInterval, clock);
        do
        {
            foreach (var (kind, poll) in new (string, Func<CancellationToken, Task>)[] { ("volumes", PollVolumesAsync), ("images", PollImagesAsync), ("object stores", PollObjectStoresAsync) })
            {
                try
                {
                    await poll(stoppingToken);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogFailed(error, kind);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task PollAsync(CancellationToken cancellationToken)
    {
        await PollVolumesAsync(cancellationToken);
        await PollImagesAsync(cancellationToken);
        await PollObjectStoresAsync(cancellationToken);
    }

    public async Task PollVolumesAsync(CancellationToken cancellationToken)
    {
        var now = GnocchiTime.ToNanos(clock.GetUtcNow());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var after = "";
        while (true)
        {
            var page = await volumes.ListAsync(after, PageSize, cancellationToken);
            var batch = new Dictionary<Guid, List<MeasurePoint>>();
            foreach (var volume in page)
            {
                var ids = await resources.EnsureAsync("volume", volume.Id, volume.ProjectId, volume.UserId,
                    new Dictionary<string, string?> { ["display_name"] = volume.Name }, VolumeMetrics, cancellationToken);
                seen.Add(CollectorResources.StoredId(volume.Id));
                MeasureBatch.Add(batch, ids, "volume.size", now, volume.SizeGb);
            }
            await QueueAsync(batch, cancellationToken);
            if (page.Count < PageSize)
                break;
            after = page[^1].Id;
        }
        await resources.EndMissingAsync("volume", seen, cancellationToken);
    }

    public async Task PollImagesAsync(CancellationToken cancellationToken)
    {
        var now = GnocchiTime.ToNanos(clock.GetUtcNow());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var after = "";
        while (true)
        {
            var page = await images.ListAsync(after, PageSize, cancellationToken);
            var batch = new Dictionary<Guid, List<MeasurePoint>>();
            foreach (var image in page)
            {
                var ids = await resources.EnsureAsync("image", image.Id, image.Owner, null,
                    new Dictionary<string, string?> { ["name"] = image.Name, ["container_format"] = image.ContainerFormat, ["disk_format"] = image.DiskFormat }, ImageMetrics, cancellationToken);
                seen.Add(CollectorResources.StoredId(image.Id));
                MeasureBatch.Add(batch, ids, "image.size", now, image.Size);
            }
            await QueueAsync(batch, cancellationToken);
            if (page.Count < PageSize)
                break;
            after = page[^1].Id;
        }
        await resources.EndMissingAsync("image", seen, cancellationToken);
    }

    public async Task PollObjectStoresAsync(CancellationToken cancellationToken)
    {
        var now = GnocchiTime.ToNanos(clock.GetUtcNow());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var batch = new Dictionary<Guid, List<MeasurePoint>>();
        string? project = null;
        long objectCount = 0, bytes = 0, containers = 0;
        var (afterProject, afterContainer) = ("", "");
        while (true)
        {
            var page = await objects.ListAsync(afterProject, afterContainer, PageSize, cancellationToken);
            foreach (var container in page)
            {
                if (container.ProjectId != project)
                {
                    await FlushAccountAsync();
                    (project, objectCount, bytes, containers) = (container.ProjectId, 0, 0, 0);
                }
                objectCount += container.Objects;
                bytes += container.Bytes;
                containers++;
                var id = container.ProjectId + "_" + container.Container;
                var ids = await resources.EnsureAsync("swift_account", id, container.ProjectId, null, new Dictionary<string, string?>(), ContainerMetrics, cancellationToken);
                seen.Add(CollectorResources.StoredId(id));
                MeasureBatch.Add(batch, ids, "storage.containers.objects", now, container.Objects);
                MeasureBatch.Add(batch, ids, "storage.containers.objects.size", now, container.Bytes);
            }
            await QueueAsync(batch, cancellationToken);
            batch.Clear();
            if (page.Count < PageSize)
                break;
            (afterProject, afterContainer) = (page[^1].ProjectId, page[^1].Container);
        }
        await FlushAccountAsync();
        await QueueAsync(batch, cancellationToken);
        await resources.EndMissingAsync("swift_account", seen, cancellationToken);

        async Task FlushAccountAsync()
        {
            if (project is null)
                return;
            var ids = await resources.EnsureAsync("swift_account", project, project, null, new Dictionary<string, string?>(), AccountMetrics, cancellationToken);
            seen.Add(CollectorResources.StoredId(project));
            MeasureBatch.Add(batch, ids, "storage.objects", now, objectCount);
            MeasureBatch.Add(batch, ids, "storage.objects.size", now, bytes);
            MeasureBatch.Add(batch, ids, "storage.objects.containers", now, containers);
        }
    }

    private async Task QueueAsync(Dictionary<Guid, List<MeasurePoint>> batch, CancellationToken cancellationToken)
    {
        if (batch.Count > 0)
            await measures.AddCollectedAsync(batch, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling the {Kind} failed")]
    private partial void LogFailed(Exception error, string kind);
}
