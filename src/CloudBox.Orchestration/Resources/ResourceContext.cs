using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources;

/// <summary>
/// What a resource plugin acts with: the cloud's public APIs in the stack owner's name (a delegated
/// token through the in-process client), the names that identify the resource, and its private data
/// (persisted with its row, e.g. a RandomString's value).
/// </summary>
internal sealed class ResourceContext(HttpClient api, string projectId, string stackId, string stackName, string resourceName, string stamp, JsonObject data)
{
    public HttpClient Api { get; } = api;
    public string ProjectId { get; } = projectId;
    public string StackId { get; } = stackId;
    public string StackName { get; } = stackName;
    public string ResourceName { get; } = resourceName;

    /// <summary>A name stamped before the create call, by which a create cut short by a crash is found again.</summary>
    public string Stamp { get; } = stamp;

    public JsonObject Data { get; } = data;

    /// <summary>
    /// Set by an update in place that gives the resource a new identity (a volume attachment moved to
    /// the server that replaced the one it was on); the engine records it as the physical id.
    /// </summary>
    public string? MovedTo { get; set; }

    /// <summary>The longest wait between two looks at a resource that converges (a server builds, a volume is created).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(20);
    private int _polls;

    /// <summary>
    /// Waits before the next look at a converging resource: 20 ms the first time, doubling up to <see cref="PollInterval"/>,
    /// so a volume that is available after 30 ms does not hold one of the stack's parallel slots for a whole interval.
    /// </summary>
    public Task PollDelayAsync(CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromTicks(Math.Min(PollInterval.Ticks, FirstPoll.Ticks << Math.Min(_polls++, 10))), cancellationToken);

    public async Task<JsonNode?> SendAsync(HttpMethod method, string url, JsonNode? body, CancellationToken cancellationToken, bool notFoundIsNull = false)
    {
        var target = new Uri(url, UriKind.RelativeOrAbsolute);
        HttpResponseMessage response;
        // Heat's own API answers a stack named without its id (stacks/{name_or_id}/…) with a 302 to its
        // canonical URL, as heatclient expects; the in-process client does not follow redirects, so
        // they are followed here with the same method and body (a few hops at most).
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, target);
            if (body is not null)
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            response = await Api.SendAsync(request, cancellationToken);
            if (hop >= 3 || response.StatusCode is not (HttpStatusCode.Found or HttpStatusCode.MovedPermanently) || response.Headers.Location is not { } location)
                break;
            target = location;
            response.Dispose();
        }
        using var answer = response;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound)
            return null;
        if (!response.IsSuccessStatusCode)
            throw new ResourceFailure($"{ServiceError(text, (int)response.StatusCode)}");
        if (text.Length == 0 || response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) != true)
            return null;
        return JsonNode.Parse(text);
    }

    public Task<JsonNode?> GetAsync(string url, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, url, null, cancellationToken, notFoundIsNull: true);

    public Task<JsonNode?> PostAsync(string url, JsonNode? body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, url, body, cancellationToken);

    public Task<JsonNode?> PutAsync(string url, JsonNode? body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Put, url, body, cancellationToken);

    /// <summary>Deletes; a resource already gone is deleted.</summary>
    public async Task DeleteAsync(string url, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Delete, url, null, cancellationToken, notFoundIsNull: true);

    /// <summary>The message of another service's fault body, whatever its shape (Neutron, Nova, Cinder, Keystone, Swift).</summary>
    private static string ServiceError(string text, int status)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonObject obj)
            {
                foreach (var (key, value) in obj)
                {
                    if (value is JsonObject inner && inner["message"] is { } message)
                        return $"{key}: {message} (HTTP {status})";
                    if (key == "message")
                        return $"{value} (HTTP {status})";
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return $"HTTP {status}: {(text.Length > 300 ? text[..300] : text)}";
    }

    /// <summary>An id for a name-or-id property: ids pass, names are looked up in <paramref name="collectionUrl"/>.</summary>
    public async Task<string> ResolveIdAsync(string collectionUrl, string key, string nameOrId, CancellationToken cancellationToken)
    {
        var byId = await GetAsync($"{collectionUrl}/{Uri.EscapeDataString(nameOrId)}", cancellationToken);
        if (byId is JsonObject found && (found[key.TrimEnd('s')] ?? found[key]) is JsonObject one && one["id"] is { } id)
            return id.ToString();
        // Glance answers an image by id unwrapped ({"id": …, "name": …}), not as {"image": {…}}.
        if (byId is JsonObject bare && bare["id"]?.ToString() == nameOrId)
            return nameOrId;
        var list = await GetAsync($"{collectionUrl}?name={Uri.EscapeDataString(nameOrId)}", cancellationToken);
        var matches = list?[key] as JsonArray ?? [];
        return matches.Count switch
        {
            1 => matches[0]!["id"]!.ToString(),
            0 => throw new ResourceFailure($"{key.TrimEnd('s')} {nameOrId} could not be found."),
            _ => throw new ResourceFailure($"Multiple {key} match the name {nameOrId}; use an id."),
        };
    }
}
