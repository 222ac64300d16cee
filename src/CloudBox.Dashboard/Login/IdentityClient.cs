using System.Net;
using System.Net.Http.Json;
using CloudBox.Core.Configuration;

namespace CloudBox.Dashboard.Login;

/// <summary>
/// Talks to Identity's public API on this process's own listener (loopback), exactly as any client would:
/// the dashboard gets tokens the way the CLI does and holds no key to mint them itself.
/// </summary>
internal sealed class IdentityClient(HttpClient http)
{
    /// <summary>A scoped token and its body, or the reason Keystone gave for refusing.</summary>
    public sealed record Outcome(string? Token, TokenBody? Body, int Status, string? Error);

    public static Uri LoopbackBase(CloudBoxOptions options)
    {
        var listen = new Uri(options.ListenUrl.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal));
        var host = listen.Host switch
        {
            "0.0.0.0" => "127.0.0.1",
            "[::]" or "::" => "[::1]",
            _ => listen.Host.Contains(':', StringComparison.Ordinal) && !listen.Host.StartsWith('[') ? $"[{listen.Host}]" : listen.Host,
        };
        return new Uri($"{listen.Scheme}://{host}:{listen.Port}/");
    }

    public async Task<Outcome> IssueAsync(AuthIdentity identity, AuthScope? scope, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("identity/v3/auth/tokens", new AuthRequest(new AuthBody(identity, scope)), DashboardJsonContext.Default.AuthRequest, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            string? message = null;
            try
            {
                message = (await response.Content.ReadFromJsonAsync(DashboardJsonContext.Default.KeystoneError, cancellationToken))?.Error?.Message;
            }
            catch (System.Text.Json.JsonException)
            {
            }
            return new Outcome(null, null, (int)response.StatusCode, message ?? response.ReasonPhrase);
        }
        var body = await response.Content.ReadFromJsonAsync(DashboardJsonContext.Default.TokenResponse, cancellationToken);
        return new Outcome(response.Headers.GetValues("X-Subject-Token").First(), body?.Token, 201, null);
    }

    /// <summary>The projects a token's user may scope to (<c>GET /v3/auth/projects</c>).</summary>
    public async Task<IReadOnlyList<TokenProject>> ProjectsAsync(string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "identity/v3/auth/projects");
        request.Headers.Add("X-Auth-Token", token);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode) return [];
        return (await response.Content.ReadFromJsonAsync(DashboardJsonContext.Default.ProjectList, cancellationToken))?.Projects ?? [];
    }

    /// <summary>Revokes a token (<c>DELETE /v3/auth/tokens</c>); best effort.</summary>
    public async Task RevokeAsync(string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "identity/v3/auth/tokens");
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("X-Subject-Token", token);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException)
        {
        }
    }
}
