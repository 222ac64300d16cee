using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace CloudBox.Core.Api.Local;

/// <summary>
/// Runs an <see cref="HttpRequestMessage"/> through the host's pipeline in process and turns what the
/// endpoint answered into an <see cref="HttpResponseMessage"/>. The request body streams in; the
/// response body is buffered (the callers are API clients, not bulk downloads).
/// </summary>
internal sealed class LocalApiHandler(LocalApi api) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("An in-process request needs a URI.");
        if (!uri.IsAbsoluteUri)
            uri = new Uri(api.BaseAddress, uri);

        var requestFeature = new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Scheme = uri.Scheme,
            Method = request.Method.Method,
            PathBase = "",
            Path = PathString.FromUriComponent(uri).Value ?? "/",
            QueryString = uri.Query,
            RawTarget = uri.PathAndQuery,
            Body = request.Content is null ? Stream.Null : await request.Content.ReadAsStreamAsync(cancellationToken),
        };
        var headers = requestFeature.Headers;
        headers.Host = uri.IsDefaultPort ? uri.Host : uri.Authority;
        foreach (var (name, values) in request.Headers)
            headers.Append(name, new StringValues(values.ToArray()));
        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers)
                headers.Append(name, new StringValues(values.ToArray()));
        }

        var response = new LocalResponseFeature();
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(requestFeature);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = cancellationToken });
        features.Set<IHttpRequestIdentifierFeature>(new HttpRequestIdentifierFeature());
        features.Set<IHttpMaxRequestBodySizeFeature>(new UnlimitedBodySize());
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = "local",
            LocalIpAddress = IPAddress.Loopback,
            RemoteIpAddress = IPAddress.Loopback,
        });

        using var scope = api.CreateScope();
        features.Set<IServiceProvidersFeature>(new ServiceProvidersFeature { RequestServices = scope.ServiceProvider });
        var context = new DefaultHttpContext(features);
        try
        {
            await api.Pipeline(context);
            await response.CompleteAsync();
        }
        finally
        {
            await response.FireCompletedAsync();
        }

        var message = new HttpResponseMessage((HttpStatusCode)response.StatusCode)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(response.Body.ToArray()),
        };
        if (response.ReasonPhrase is not null)
            message.ReasonPhrase = response.ReasonPhrase;
        foreach (var (name, values) in response.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        return message;
    }

    /// <summary>Endpoints that accept large bodies raise the limit through this feature; in process there is none.</summary>
    private sealed class UnlimitedBodySize : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;
        public long? MaxRequestBodySize { get; set; }
    }
}
