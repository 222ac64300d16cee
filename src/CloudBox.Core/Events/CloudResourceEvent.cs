namespace CloudBox.Core.Events;

/// <summary>
/// A resource of one module changed and the change is committed: its kind (<c>server</c>,
/// <c>volume</c>, <c>image</c>, <c>port</c>, <c>floatingip</c>, <c>router</c>), id, owning project
/// and user, and the attributes a consumer (Telemetry) records, e.g. a server's flavor_id, host,
/// display_name, image_ref. A <c>port</c> event is about a port's binding to a server: Created
/// when it is bound (attributes <c>instance_id</c>, the server, and <c>name</c>, its tap), Deleted
/// when it is unbound or deleted (with the binding it had).
/// </summary>
public sealed record CloudResourceEvent(
    ResourceChange Change,
    string ResourceType,
    string Id,
    string? ProjectId,
    string? UserId,
    IReadOnlyDictionary<string, string?> Attributes)
{
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;
}
