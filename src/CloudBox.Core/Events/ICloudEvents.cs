namespace CloudBox.Core.Events;

/// <summary>
/// The in-process stream of resource lifecycle events. Modules publish where they commit a
/// change (a cheap call: with no subscriber it does nothing); Telemetry subscribes. Handlers
/// run on the publisher's thread and must only hand the event over (e.g. to a channel).
/// </summary>
public interface ICloudEvents
{
    void Publish(CloudResourceEvent resourceEvent);

    /// <summary>Registers <paramref name="handler"/>; disposing the result unregisters it.</summary>
    IDisposable Subscribe(Action<CloudResourceEvent> handler);
}
