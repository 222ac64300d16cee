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

    /// <summary>
    /// The catalog as a UTF-8 JSON array, with Keystone's URL templates (<c>$(project_id)s</c>,
    /// <c>%(project_id)s</c>, and the <c>tenant_id</c> spellings) filled in for the token's project.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> GetJsonAsync(string? projectId, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var now = clock.GetTimestamp();
        if (snapshot is null || snapshot.Generation != changes.Generation || clock.GetElapsedTime(snapshot.BuiltAt, now) >= MaxAge)
        {
            var generation = changes.Generation;
            var json = await BuildAsync(cancellationToken);
            snapshot = new Snapshot(json, generation, now, HasTemplates(json));
            _snapshot = snapshot;
        }
        if (!snapshot.HasTemplates || projectId is null)
            return snapshot.Json;
        var text = System.Text.Encoding.UTF8.GetString(snapshot.Json);
        foreach (var template in Templates)
            text = text.Replace(template, projectId, StringComparison.Ordinal);
        return System.Text.Encoding.UTF8.GetBytes(text);
    }

    private static readonly string[] Templates = ["$(project_id)s", "%(project_id)s", "$(tenant_id)s", "%(tenant_id)s"];

    private static bool HasTemplates(byte[] json)
    {
        var text = System.Text.Encoding.UTF8.GetString(json);
        return Array.Exists(Templates, t => text.Contains(t, StringComparison.Ordinal));
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

    private sealed record Snapshot(byte[] Json, long Generation, long BuiltAt, bool HasTemplates);
}
