using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CloudBox.Core.Compute;
using CloudBox.Linux.Netlink;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.Metadata;

/// <summary>
/// The 169.254.169.254:80 listener of one network: a small HTTP/1.1 server (GET and HEAD, one
/// request per connection, bounded request size and time) on a socket bound to the network's
/// bridge, so the kernel hands it only connections that came in on that network. The asking
/// instance is the port holding the connection's source address on this network; Compute answers
/// for it. Anything else gets 404.
/// </summary>
public sealed partial class MetadataServer : IDisposable
{
    public static readonly IPAddress Address = IPAddress.Parse("169.254.169.254");

    private const int Port = 80;
    private const int MaxRequestBytes = 8 * 1024;
    private const int MaxConnections = 64;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly Func<IInstanceMetadata?> _metadata;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _connections = new(MaxConnections);
    private readonly Task _accepting;
    private volatile IReadOnlyDictionary<uint, string> _instances;

    /// <param name="instances">Source address (host order) to instance id, for this network's ports.</param>
    public MetadataServer(string bridge, string? namespacePath, IReadOnlyDictionary<uint, string> instances, Func<IInstanceMetadata?> metadata,
        ILogger logger)
    {
        Bridge = bridge;
        _instances = instances;
        _metadata = metadata;
        _logger = logger;
        // The socket belongs to the namespace it is made in, like the DHCP server's packet socket.
        _listener = NetworkNamespace.Run(namespacePath, () => Listen(bridge));
        _accepting = AcceptAsync();
    }

    public string Bridge { get; }

    /// <summary>Replaces the address-to-instance table after a data-plane pass.</summary>
    public void Update(IReadOnlyDictionary<uint, string> instances) => _instances = instances;

    private static Socket Listen(string bridge)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // SO_BINDTODEVICE: every network's listener shares 169.254.169.254:80, each sees only its own bridge,
            // and replies leave through that bridge without any route to the tenant's (possibly overlapping) subnet.
            var name = new byte[Encoding.ASCII.GetByteCount(bridge) + 1];
            Encoding.ASCII.GetBytes(bridge, name);
            socket.SetRawSocketOption(1, 25, name);
            socket.Bind(new IPEndPoint(Address, Port));
            socket.Listen(128);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                await _connections.WaitAsync(_stopping.Token);
                connection = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException error)
            {
                _connections.Release();
                LogFailed(error, Bridge);
                continue;
            }
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxRequestBytes);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            var length = await ReadHeadAsync(connection, buffer, timeout.Token);
            var (status, contentType, body, head) = length < 0
                ? (400, "text/plain", Encoding.ASCII.GetBytes("request too large or malformed\n"), false)
                : await AnswerAsync(connection, buffer.AsMemory(0, length), timeout.Token);
            await WriteAsync(connection, status, contentType, body, head, timeout.Token);
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or IOException)
        {
            // A client that went away or took too long: nothing to answer.
        }
        catch (Exception error)
        {
            LogFailed(error, Bridge);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            connection.Dispose();
            _connections.Release();
        }
    }

    /// <summary>Reads up to the blank line ending the head; its length, or -1 when it does not fit or the client stopped early.</summary>
    private static async Task<int> ReadHeadAsync(Socket connection, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (length < MaxRequestBytes)
        {
            var read = await connection.ReceiveAsync(buffer.AsMemory(length, MaxRequestBytes - length), SocketFlags.None, cancellationToken);
            if (read == 0)
                return -1;
            var searchFrom = Math.Max(0, length - 3);
            length += read;
            if (buffer.AsSpan(searchFrom, length - searchFrom).IndexOf("\r\n\r\n"u8) >= 0)
                return length;
        }
        return -1;
    }

    private async Task<(int Status, string ContentType, byte[] Body, bool Head)> AnswerAsync(Socket connection, ReadOnlyMemory<byte> request,
        CancellationToken cancellationToken)
    {
        var line = request.Span[..request.Span.IndexOf("\r\n"u8)];
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace || !line[(lastSpace + 1)..].StartsWith("HTTP/1."u8))
            return (400, "text/plain", Encoding.ASCII.GetBytes("malformed request line\n"), false);
        var method = line[..firstSpace];
        var head = method.SequenceEqual("HEAD"u8);
        if (!head && !method.SequenceEqual("GET"u8))
            return (405, "text/plain", Encoding.ASCII.GetBytes("only GET and HEAD\n"), false);
        var target = Encoding.ASCII.GetString(line[(firstSpace + 1)..lastSpace]);
        var query = target.IndexOf('?');
        var path = query < 0 ? target : target[..query];
        if (!path.StartsWith('/'))
            return (400, "text/plain", Encoding.ASCII.GetBytes("the target must be a path\n"), head);

        var source = connection.RemoteEndPoint is IPEndPoint { Address: var address } ? address.MapToIPv4() : null;
        var metadata = _metadata();
        if (source is null || metadata is null || !_instances.TryGetValue(HostOrder(source), out var instanceId))
        {
            LogUnknown(Bridge, source?.ToString() ?? "?", path);
            return (404, "text/plain", Encoding.ASCII.GetBytes("Not Found\n"), head);
        }
        var answer = await metadata.GetAsync(instanceId, path, cancellationToken);
        return (answer.StatusCode, answer.ContentType, answer.Body, head);
    }

    private static async Task WriteAsync(Socket connection, int status, string contentType, byte[] body, bool head, CancellationToken cancellationToken)
    {
        var header = Encoding.ASCII.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {Reason(status)}\r\n{(status == 405 ? "Allow: GET, HEAD\r\n" : "")}Content-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        await connection.SendAsync(header, SocketFlags.None, cancellationToken);
        var sent = 0;
        while (!head && sent < body.Length)
            sent += await connection.SendAsync(body.AsMemory(sent), SocketFlags.None, cancellationToken);
        connection.Shutdown(SocketShutdown.Send);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "Status",
    };

    private static uint HostOrder(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Dispose();
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "metadata on {Bridge} failed")]
    private partial void LogFailed(Exception error, string bridge);

    [LoggerMessage(Level = LogLevel.Debug, Message = "metadata on {Bridge}: {Source} is no instance's port, {Path} answered 404")]
    private partial void LogUnknown(string bridge, string source, string path);
}
