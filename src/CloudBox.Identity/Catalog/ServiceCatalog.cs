using System.Text.Json;
using CloudBox.Identity.Endpoints;
using CloudBox.Identity.Services;

namespace CloudBox.Identity.Catalog;

/// <summary>
/// The service catalog as it appears in token bodies and <c>/v3/auth/catalog</c>, kept
/// pre-serialised so a token response only copies bytes. Rebuilt after catalog writes, and at
/// most every few seconds for writes other nodes make.
/// </summary>
public sealed class ServiceCatalog(ServiceStore services, EndpointStore endpoints, CatalogChanges changes, TimeProvider clock)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private volatile Snapshot? _snapshot;

    /// <summary>The catalog as a UTF-8 JSON array.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> GetJsonAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var now = clock.GetTimestamp();
        if (snapshot is not null && snapshot.Generation == changes.Generation && clock.GetElapsedTime(snapshot.BuiltAt, now) < MaxAge)
            return snapshot.Json;

        var generation = changes.Generation;
        var json = await BuildAsync(cancellationToken);
        _snapshot = new Snapshot(json, generation, now);
        return json;
    }

    private async Task<byte[]> BuildAsync(CancellationToken cancellationToken)
    {
        var allServices = await services.ListAsync(null, null, cancellationToken);
        var allEndpoints = await endpoints.ListAsync(null, null, null, cancellationToken);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var service in allServices)
            {
                if (!service.Enabled)
                    continue;
                writer.WriteStartObject();
                writer.WriteStartArray("endpoints");
                foreach (var endpoint in allEndpoints)
                {
                    if (endpoint.ServiceId != service.Id || !endpoint.Enabled)
                        continue;
                    writer.WriteStartObject();
                    writer.WriteString("id", endpoint.Id);
                    writer.WriteString("interface", endpoint.Interface);
                    writer.WriteString("region_id", endpoint.RegionId);
                    writer.WriteString("url", endpoint.Url);
                    writer.WriteString("region", endpoint.RegionId);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteString("id", service.Id);
                writer.WriteString("type", service.Type);
                writer.WriteString("name", service.Name);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    private sealed record Snapshot(byte[] Json, long Generation, long BuiltAt);
}
