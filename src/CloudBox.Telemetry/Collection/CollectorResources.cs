using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Indexer;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// The Gnocchi resources the collector keeps for the cloud's own resources (id = the resource's
/// id, Ceilometer's types and attributes), created on first sight, updated and ended with their
/// lifecycle, with their metrics' ids cached by name.
/// </summary>
internal sealed class CollectorResources(ResourceService resources, ResourceStore store, MetricStore metrics, TelemetrySettings settings, TimeProvider clock)
{
    public const string Creator = "cloudbox-telemetry:";

    private readonly ConcurrentDictionary<string, Dictionary<string, string>> _metricIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _signatures = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates or updates the resource; returns its metrics' ids by name (the <paramref name="metricNames"/> created if missing).
    /// <paramref name="createOnly"/> are attributes given only when creating it (a required one this caller does not know, which another path sets).
    /// </summary>
    public async Task<Dictionary<string, string>> EnsureAsync(string type, string id, string? projectId, string? userId,
        IReadOnlyDictionary<string, string?> attributes, IReadOnlyList<(string Name, string? Unit)> metricNames, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string?>? createOnly = null)
    {
        // A non-UUID id (a container's project_container) is stored as a UUID5 of it, Gnocchi's way.
        var originalId = id;
        id = TelemetryCaller.ResourceUuid(id, Creator);
        var cacheKey = type + "/" + id;
        var signature = projectId + "\u0001" + string.Join("\u0001", attributes.Select(a => a.Key + "=" + a.Value));
        if (_metricIds.TryGetValue(cacheKey, out var cached) && metricNames.All(m => cached.ContainsKey(m.Name))
            && _signatures.TryGetValue(cacheKey, out var known) && known == signature)
            return cached;
        var metricMap = new JsonObject();
        foreach (var (name, unit) in metricNames)
            metricMap[name] = new JsonObject { ["archive_policy_name"] = settings.CollectorArchivePolicy, ["unit"] = unit };
        var existing = await store.FindAsync(id, cancellationToken);
        if (existing is null)
        {
            var body = new JsonObject { ["id"] = originalId, ["project_id"] = projectId, ["user_id"] = userId, ["metrics"] = metricMap };
            foreach (var (name, value) in createOnly ?? new Dictionary<string, string?>())
                body[name] = value;
            foreach (var (name, value) in attributes)
                body[name] = value;
            try
            {
                await resources.CreateAsync(type, body, Creator, null, cancellationToken);
            }
            catch (ApiFault fault) when (fault.StatusCode == 409)
            {
                // Created concurrently by the other collector path.
            }
        }
        else
        {
            var patch = new JsonObject { ["metrics"] = metricMap };
            foreach (var (name, value) in attributes)
                patch[name] = value;
            await resources.UpdateAsync(existing, patch, Creator, null, cancellationToken);
        }
        var ids = (await metrics.ListForResourcesAsync([id], cancellationToken)).Where(m => m.Name is not null).ToDictionary(m => m.Name!, m => m.Id);
        _metricIds[cacheKey] = ids;
        _signatures[cacheKey] = signature;
        return ids;
    }

    public async Task EndAsync(string id, CancellationToken cancellationToken)
    {
        id = TelemetryCaller.ResourceUuid(id, Creator);
        var existing = await store.FindAsync(id, cancellationToken);
        if (existing is null || existing.EndedAt is not null)
            return;
        existing.EndedAt = GnocchiTime.FormatInstant(clock.GetUtcNow());
        existing.RevisionStart = existing.EndedAt;
        await store.UpdateAsync(existing, [], cancellationToken);
        foreach (var key in _metricIds.Keys.Where(k => k.EndsWith("/" + id, StringComparison.Ordinal)).ToList())
        {
            _metricIds.TryRemove(key, out _);
            _signatures.TryRemove(key, out _);
        }
    }

    /// <summary>Ends the collector's live resources of <paramref name="type"/> whose id is not in <paramref name="seen"/> (gone since the last pass).</summary>
    public async Task EndMissingAsync(string type, IReadOnlySet<string> seen, CancellationToken cancellationToken)
    {
        foreach (var resource in await store.ListAsync(type, null, cancellationToken))
        {
            if (resource.Creator == Creator && resource.EndedAt is null && !seen.Contains(resource.Id))
                await EndAsync(resource.Id, cancellationToken);
        }
    }

    /// <summary>The id the collector's resource for <paramref name="id"/> is stored under.</summary>
    public static string StoredId(string id) => TelemetryCaller.ResourceUuid(id, Creator);
}
