namespace CloudBox.Core.Events;

/// <summary>
/// A module's resources that exist now, as the <see cref="ICloudEvents"/> it publishes would have
/// described their creation: what a subscriber that starts after they were made (Telemetry at
/// start-up) reconciles its own records with. Listing is one read of the module's tables.
/// </summary>
public interface ICloudResourceInventory
{
    /// <summary>The event resource types the inventory is complete for (e.g. <c>floatingip</c>, <c>router</c>, <c>port</c>).</summary>
    IReadOnlyList<string> ResourceTypes { get; }

    /// <summary>
    /// Every current resource of <see cref="ResourceTypes"/> as a <see cref="ResourceChange.Created"/>
    /// event with the attributes its events carry, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<CloudResourceEvent>> ListAsync(int limit, CancellationToken cancellationToken);
}
