using System.Threading.Channels;
using CloudBox.Core.Events;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// Turns the modules' lifecycle events into Gnocchi resources: a server becomes an
/// <c>instance</c> (ended when deleted), a volume a <c>volume</c>, an image an <c>image</c>, a
/// floating IP a <c>network</c> with Ceilometer's <c>ip.floating</c> and a router a <c>router</c>
/// with Ceilometer's <c>router</c> (existence gauges: 1 at creation, then every poll by
/// <see cref="ExistencePollster"/>). The publisher only enqueues; this worker writes.
/// </summary>
internal sealed partial class ResourceEventCollector(ICloudEvents events, CollectorResources resources, MeasureService measures, TimeProvider clock,
    ILogger<ResourceEventCollector> logger) : BackgroundService
{
    private readonly Channel<CloudResourceEvent> _queue = Channel.CreateBounded<CloudResourceEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public static readonly IReadOnlyList<(string Name, string? Unit)> InstanceMetrics =
        [("cpu", "ns"), ("vcpus", "vcpu"), ("memory", "MB"), ("memory.usage", "MB"),
            (VmExits.Io, "exit"), (VmExits.Mmio, "exit"), (VmExits.Hlt, "exit"), (VmExits.Other, "exit")];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.Subscribe(e => _queue.Writer.TryWrite(e));
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

    public async Task ApplyAsync(CloudResourceEvent resourceEvent, CancellationToken cancellationToken)
    {
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

    /// <summary>The attributes the type has, each from the event or its default (required strings get "").</summary>
    private static Dictionary<string, string?> Pick(CloudResourceEvent resourceEvent, params (string Name, string? Default)[] names)
    {
        var result = new Dictionary<string, string?>();
        foreach (var (name, fallback) in names)
            result[name] = resourceEvent.Attributes.TryGetValue(name, out var value) && value is not null ? value : fallback;
        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the {Type} {Id} as a metric resource failed")]
    private partial void LogFailed(Exception error, string type, string id);
}
