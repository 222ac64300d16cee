using CloudBox.Core.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Core.Api.Local;

/// <summary>
/// CloudBox's own public API, called in process: a request made through <see cref="CreateClient"/> runs
/// through the same pipeline as one from the network (request id, faults, token validation, policy,
/// the owning module's endpoint) without a socket. Service modules that build on others the way an
/// OpenStack client would (Orchestration's resources, the EC2 API, the dashboard) use it, so every
/// rule of the owning module (validation, quotas, policy, faults) applies to them unchanged.
/// </summary>
public sealed class LocalApi(IServiceScopeFactory scopes, CloudBoxOptions options)
{
    private RequestDelegate? _pipeline;

    /// <summary>The base URL requests are addressed to (the public URL; links in answers use it).</summary>
    public Uri BaseAddress { get; } = new(options.PublicUrl.TrimEnd('/') + "/");

    /// <summary>True once the host has built its pipeline.</summary>
    public bool IsAttached => _pipeline is not null;

    /// <summary>Called once by the host with the pipeline every request runs through.</summary>
    public void Attach(RequestDelegate pipeline) => _pipeline = pipeline;

    /// <summary>
    /// An <see cref="HttpClient"/> whose requests run in process. With <paramref name="token"/> each request
    /// carries it as <c>X-Auth-Token</c>; relative URIs are resolved against <see cref="BaseAddress"/>.
    /// </summary>
    public HttpClient CreateClient(string? token = null)
    {
        var client = new HttpClient(new LocalApiHandler(this), disposeHandler: true) { BaseAddress = BaseAddress };
        if (token is not null)
            client.DefaultRequestHeaders.Add("X-Auth-Token", token);
        return client;
    }

    internal RequestDelegate Pipeline =>
        _pipeline ?? throw new InvalidOperationException("The in-process API is used before the host has built its pipeline.");

    internal IServiceScope CreateScope() => scopes.CreateScope();
}
