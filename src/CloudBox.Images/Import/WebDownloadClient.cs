using System.Net;
using System.Net.Sockets;
using CloudBox.Core.Configuration;

namespace CloudBox.Images.Import;

/// <summary>
/// The HTTP client of web-download: no proxy, redirects followed here (at most
/// <see cref="MaxRedirects"/>, each target checked by <see cref="WebDownloadFilter"/>), and every
/// connection made by its own callback, which resolves the host and connects only to an address
/// the filter allows: what is checked is what is connected to.
/// </summary>
internal sealed class WebDownloadClient : IDisposable
{
    public const int MaxRedirects = 5;

    private readonly WebDownloadFilter _filter;
    private readonly HttpClient _client;

    public WebDownloadClient(CloudBoxOptions options)
    {
        _filter = new WebDownloadFilter(options);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromHours(6) };
    }

    public WebDownloadFilter Filter => _filter;

    /// <summary>The response with the data (success status), after redirects; throws <see cref="WebDownloadException"/> with the reason otherwise.</summary>
    public async Task<HttpResponseMessage> GetAsync(Uri uri, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            if (_filter.Refusal(uri) is { } refusal)
                throw new WebDownloadException($"{uri}: {refusal}");
            var response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects)
                    throw new WebDownloadException($"{uri}: more than {MaxRedirects} redirects");
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }
            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                throw new WebDownloadException($"{uri}: status {status}");
            }
            return response;
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        string? refusal = null;
        foreach (var address in addresses)
        {
            refusal = _filter.Refusal(host, address);
            if (refusal is not null)
                continue;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new WebDownloadException($"{host}: {refusal ?? "no address"}");
    }

    public void Dispose() => _client.Dispose();
}
