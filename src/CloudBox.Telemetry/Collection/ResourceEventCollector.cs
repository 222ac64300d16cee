using System.Threading.Channels;
using CloudBox.Core.Events;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// Turns the modules' lifecycle events into Gnocchi resources: a server becomes an
/// <c>instance</c> (ended when deleted), a volume a <c>volume</c>, an image an <c>image</c>, a
/// floating IP a <c>network</c> with Ceilometer's <c>ip.floating</c> and a router a <c>router</c>
/// with Ceilometer's <c>router</c> (existence gauges: 1 at creation, then every poll by
/// <see cref="ExistencePollster"/>), and a port bound to a server an <c>instance_network_interface</c>
/// (ended when unbound or deleted). The publisher only enqueues; this worker writes. At start it
/// first reconciles with the modules' inventories (<see cref="ReconcileAsync"/>): what was made or
/// deleted while <c>serve</c> was not running.
/// </summary>
internal sealed partial class ResourceEventCollector(ICloudEvents events, IEnumerable<ICloudResourceInventory> inventories, CollectorResources resources,
    ResourceStore store, MeasureService measures, TimeProvider clock, ILogger<ResourceEventCollector> logger) : BackgroundService
{
    private readonly Channel<CloudResourceEvent> _queue = Channel.CreateBounded<CloudResourceEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public static readonly IReadOnlyList<(string Name, string? Unit)> InstanceMetrics =
        [("cpu", "ns"), ("vcpus", "vcpu"), ("memory", "MB"), ("memory.usage", "MB"),
            (VmExits.Io, "exit"), (VmExits.Mmio, "exit"), (VmExits.Hlt, "exit"), (VmExits.Other, "exit")];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Subscribed first: a change made while the inventories are read is queued and applied after them.
        using var subscription = events.Subscribe(e => _queue.Writer.TryWrite(e));
        try
        {
            await ReconcileAsync(stoppingToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogReconcileFailed(error);
        }
        await foreach (var resourceEvent in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await ApplyAsync(resourceEvent, stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error, resourceEvent.ResourceType, resourceEvent.Id);
            }
        }
    }

    /// <summary>
    /// Creates the collector's resources for what the inventories list and it does not have, and ends its live
    /// resources of the inventories' types that they no longer list. Idempotent, and cheap when nothing changed:
    /// one read per inventory and one per resource type, no write.
    /// </summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        foreach (var inventory in inventories)
        {
            var current = await inventory.ListAsync(ResourceStore.MaxCandidates, cancellationToken);
            var known = new HashSet<string>(StringComparer.Ordinal);
            var live = new HashSet<string>(StringComparer.Ordinal);
            foreach (var type in inventory.ResourceTypes.Select(GnocchiTypeOf).OfType<string>().Distinct())
            {
                foreach (var resource in await store.ListAsync(type, null, cancellationToken))
                {
                    if (resource.Creator != CollectorResources.Creator)
                        continue;
                    known.Add(resource.Id);
                    if (resource.EndedAt is null)
                        live.Add(resource.Id);
                }
            }
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var resourceEvent in current)
            {
                if (StoredIdOf(resourceEvent) is not { } id)
                    continue;
                listed.Add(id);
                // One already recorded (live, or ended and then bound again) is left as it is.
                if (!known.Contains(id))
                    await ApplyAsync(resourceEvent, cancellationToken);
            }
            // A truncated inventory cannot tell what is gone.
            if (current.Count >= ResourceStore.MaxCandidates)
                continue;
            foreach (var id in live)
            {
                if (!listed.Contains(id))
                    await resources.EndAsync(id, cancellationToken);
            }
        }
    }

    /// <summary>The Gnocchi resource type of an event resource type, or null when the collector keeps none for it.</summary>
    public static string? GnocchiTypeOf(string resourceType) => resourceType switch
    {
        "server" => "instance",
        "volume" => "volume",
        "image" => "image",
        "router" => "router",
        "floatingip" => "network",
        "port" => "instance_network_interface",
        _ => null,
    };

    /// <summary>The id the event's Gnocchi resource is stored under, or null when it has none (a port without a server).</summary>
    private static string? StoredIdOf(CloudResourceEvent resourceEvent) =>
        GnocchiTypeOf(resourceEvent.ResourceType) is null ? null
        : resourceEvent.ResourceType == "port"
            ? InterfaceOf(resourceEvent) is { } nic ? CollectorResources.StoredId(VmPollster.InterfaceId(nic.ServerId, nic.Tap)) : null
            : CollectorResources.StoredId(resourceEvent.Id);

    private static (string ServerId, string Tap)? InterfaceOf(CloudResourceEvent resourceEvent) =>
        resourceEvent.Attributes.GetValueOrDefault("instance_id") is { Length: > 0 } server && resourceEvent.Attributes.GetValueOrDefault("name") is { Length: > 0 } tap
            ? (server, tap)
            : null;

    public async Task ApplyAsync(CloudResourceEvent resourceEvent, CancellationToken cancellationToken)
    {
        if (resourceEvent.ResourceType == "port")
        {
            await ApplyPortAsync(resourceEvent, cancellationToken);
            return;
        }
        if (resourceEvent.Change == ResourceChange.Deleted)
        {
            await resources.EndAsync(resourceEvent.Id, cancellationToken);
            return;
        }
        var (type, metrics, attributes) = resourceEvent.ResourceType switch
        {
            "server" => ("instance", InstanceMetrics, Pick(resourceEvent, ("display_name", ""), ("flavor_id", ""), ("image_ref", null), ("host", ""))),
            "volume" => ("volume", [("volume.size", "GB")], Pick(resourceEvent, ("display_name", null))),
            "image" => ("image", [("image.size", "B")], Pick(resourceEvent, ("name", null), ("container_format", null), ("disk_format", null))),
            "router" => ("router", ExistencePollster.RouterMetrics, Pick(resourceEvent, ("name", null))),
            "floatingip" => ("network", ExistencePollster.FloatingIpMetrics, new Dictionary<string, string?>()),
            _ => (null, (IReadOnlyList<(string, string?)>)[], new Dictionary<string, string?>()),
        };
        if (type is null)
            return;
        var ids = await resources.EnsureAsync(type, resourceEvent.Id, resourceEvent.ProjectId, resourceEvent.UserId, attributes, metrics, cancellationToken);
        if (resourceEvent.Change == ResourceChange.Created && ExistencePollster.MeterOf(type) is { } meter)
        {
            // An existence gauge: the object is there from the moment it is created.
            var batch = new Dictionary<Guid, List<MeasurePoint>>();
            MeasureBatch.Add(batch, ids, meter, GnocchiTime.ToNanos(clock.GetUtcNow()), 1);
            if (batch.Count > 0)
                await measures.AddAsync(batch, cancellationToken);
        }
    }

    /// <summary>A port bound to a server is its <c>instance_network_interface</c> (Ceilometer's id and attributes); unbound or deleted, that resource ends.</summary>
    private async Task ApplyPortAsync(CloudResourceEvent resourceEvent, CancellationToken cancellationToken)
    {
        if (InterfaceOf(resourceEvent) is not var (serverId, tap))
            return;
        var id = VmPollster.InterfaceId(serverId, tap);
        if (resourceEvent.Change == ResourceChange.Deleted)
        {
            await resources.EndAsync(id, cancellationToken);
            return;
        }
        await resources.EnsureAsync("instance_network_interface", id, resourceEvent.ProjectId, resourceEvent.UserId,
            new Dictionary<string, string?> { ["name"] = tap, ["instance_id"] = serverId }, VmPollster.InterfaceMetrics, cancellationToken);
    }

    /// <summary>The attributes the type has, each from the event or its default (required strings get "").</summary>
    private static Dictionary<string, string?> Pick(CloudResourceEvent resourceEvent, params (string Name, string? Default)[] names)
    {
        var result = new Dictionary<string, string?>();
        foreach (var (name, fallback) in names)
            result[name] = resourceEvent.Attributes.TryGetValue(name, out var value) && value is not null ? value : fallback;
        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling the metric resources with the modules' inventories failed")]
    private partial void LogReconcileFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the {Type} {Id} as a metric resource failed")]
    private partial void LogFailed(Exception error, string type, string id);
}
