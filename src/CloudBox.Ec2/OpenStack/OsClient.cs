using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace CloudBox.Ec2.OpenStack;

/// <summary>
/// The OpenStack APIs as ec2-api called them, in process through <c>LocalApi</c> with a delegated
/// token of the caller: each module's own validation, policy, quotas and faults apply. A refusal
/// becomes an <see cref="OsFault"/> with the module's message.
/// </summary>
internal sealed class OsClient(HttpClient http, string projectId) : IDisposable
{
    public string ProjectId { get; } = projectId;

    public const string Nova = "compute/v2.1";
    public const string Neutron = "network/v2.0";
    public const string Glance = "image/v2";
    public string Cinder => $"volume/v3/{ProjectId}";

    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken, string? microversion = null) =>
        await SendAsync(HttpMethod.Get, path, null, cancellationToken, microversion) ?? new JsonObject();

    /// <summary>A GET whose JSON answer is read straight into <typeparamref name="T"/> (no node tree; for large lists).</summary>
    public async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken, string? microversion = null) where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (microversion is not null)
            request.Headers.Add("OpenStack-API-Version", "compute " + microversion);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new OsFault((int)response.StatusCode, MessageOf(text) ?? response.ReasonPhrase ?? "error");
        }
        try
        {
            // Read from the in-process answer's own buffer, without copying it first.
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(body, type, cancellationToken) ?? throw new OsFault(502, $"{path} answered no JSON body");
        }
        catch (JsonException error)
        {
            throw new OsFault(502, $"{path} answered JSON EC2 cannot read: {error.Message}");
        }
    }

    public Task<JsonNode?> PostAsync(string path, JsonNode? body, CancellationToken cancellationToken, string? microversion = null) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken, microversion);

    public Task<JsonNode?> PutAsync(string path, JsonNode? body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Put, path, body, cancellationToken);

    public Task<JsonNode?> DeleteAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>A Glance JSON-patch update.</summary>
    public async Task<JsonNode?> PatchImageAsync(string imageId, JsonArray operations, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{Glance}/images/{imageId}")
        {
            Content = new StringContent(operations.ToJsonString(), Encoding.UTF8, "application/openstack-images-v2.1-json-patch"),
        };
        return await ReadAsync(await http.SendAsync(request, cancellationToken), cancellationToken);
    }

    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string? microversion = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        if (microversion is not null)
            request.Headers.Add("OpenStack-API-Version", "compute " + microversion);
        return await ReadAsync(await http.SendAsync(request, cancellationToken), cancellationToken);
    }

    /// <summary>A POST whose answer is a <c>Location</c> header (Nova's createImage before 2.45).</summary>
    public async Task<string?> PostForLocationAsync(string path, JsonNode body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        var response = await http.SendAsync(request, cancellationToken);
        var location = response.Headers.Location?.ToString();
        await ReadAsync(response, cancellationToken);
        return location;
    }

    private static async Task<JsonNode?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new OsFault((int)response.StatusCode, MessageOf(text) ?? response.ReasonPhrase ?? "error");
            if (text.Length == 0 || response.Content.Headers.ContentType?.MediaType is not { } type || !type.Contains("json", StringComparison.Ordinal))
                return null;
            return JsonNode.Parse(text);
        }
    }

    /// <summary>The message of any OpenStack fault body: <c>{"itemNotFound": {"message"}}</c>, <c>{"NeutronError": {"message"}}</c>, <c>{"error": {"message"}}</c>…</summary>
    private static string? MessageOf(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject root)
                return null;
            if (root["message"] is JsonValue direct)
                return direct.ToString();
            foreach (var (_, value) in root)
            {
                if (value is JsonObject inner && inner["message"] is JsonValue message)
                    return message.ToString();
            }
        }
        catch (JsonException)
        {
        }
        return text.Length > 300 ? text[..300] : text;
    }

    public void Dispose() => http.Dispose();
}
