using System.Collections.Immutable;

namespace CloudBox.Core.Events;

/// <summary>The default <see cref="ICloudEvents"/>: a lock-free list of handlers; publishing with none is a no-op.</summary>
public sealed class CloudEventStream : ICloudEvents
{
    private ImmutableArray<Action<CloudResourceEvent>> _handlers = [];

    public void Publish(CloudResourceEvent resourceEvent)
    {
        foreach (var handler in _handlers)
            handler(resourceEvent);
    }

    public IDisposable Subscribe(Action<CloudResourceEvent> handler)
    {
        ImmutableInterlocked.Update(ref _handlers, list => list.Add(handler));
        return new Subscription(() => ImmutableInterlocked.Update(ref _handlers, list => list.Remove(handler)));
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
