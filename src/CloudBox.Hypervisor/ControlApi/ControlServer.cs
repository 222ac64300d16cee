using System.Net.Sockets;
using CloudBox.Linux;
using CloudBox.Linux.Confinement;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>
/// The VM's control API: a small HTTP/1.1 server on a unix socket (no web stack to load, so it is listening within
/// milliseconds of process start). Routes: GET /vm, PUT /vm/actions, PUT /vm/disks, DELETE /vm/disks/ID, PUT /vm/nets,
/// DELETE /vm/nets/ID, and GET /vm/serial (upgraded to the serial port's byte stream).
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _path;
    private readonly VmmHost _host;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ControlServer(Socket listener, string path, VmmHost host, bool open)
    {
        _listener = listener;
        _path = path;
        _host = host;
        if (open) _open.SetResult();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>
    /// Listens on <paramref name="path"/>; with <paramref name="open"/> false, connections are accepted but not answered
    /// until <see cref="Open"/> (a confined VMM binds its socket before it loses sight of the path, and answers once
    /// confined). Accepting starts at once, so the socket machinery is set up before confinement (see <see cref="WarmUpAsync"/>).
    /// </summary>
    public static Task<ControlServer> StartAsync(string path, VmmHost host, bool open = true)
    {
        if (File.Exists(path)) File.Delete(path); // a stale socket from a previous run of this VM
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(16);
        }
        catch (SocketException error)
        {
            listener.Dispose();
            throw new VmmSetupException($"cannot listen on control socket {path}: {error.Message}", error);
        }
        return Task.FromResult(new ControlServer(listener, path, host, open));
    }

    /// <summary>Starts answering connections (see <see cref="StartAsync"/>).</summary>
    public void Open() => _open.TrySetResult();

    /// <summary>
    /// Runs a <c>GET /vm</c> through the request parser, the router and the response writer in memory, so that every
    /// assembly and type initializer they need is loaded while the files are still reachable: after confinement a pool
    /// thread may carry a device thread's filter (no open at all), and a lazy load there fails.
    /// </summary>
    public async Task WarmUpAsync()
    {
        var request = await HttpRequest.ReadAsync(new MemoryStream("GET /vm HTTP/1.1\r\nHost: vmm\r\n\r\n"u8.ToArray()), CancellationToken.None)
            ?? throw new InvalidOperationException("the warm-up request did not parse");
        var response = await RouteAsync(request, []);
        await response.WriteAsync(Stream.Null, request.KeepAlive, CancellationToken.None);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                // Said, not swallowed: a VMM whose control API ends silently runs on with nobody able to reach it.
                await Console.Error.WriteLineAsync($"cloudbox vmm warning: the control socket failed to accept ({Describe(error)}); retrying");
                await Task.Delay(1000);
                continue;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        await using var stream = new NetworkStream(client, ownsSocket: true);
        var passed = new List<FileDescriptor>(); // a disk or tap opened by Compute for a hot-plug on this connection
        try
        {
            await _open.Task.WaitAsync(_stopping.Token);
            // A connection may start with one NUL byte carrying descriptors (SCM_RIGHTS; an HTTP request never
            // starts with NUL): a confined VMM cannot open a hot-plugged disk or tap itself.
            var first = new byte[1];
            if (await client.ReceiveAsync(first, SocketFlags.Peek, _stopping.Token) == 1 && first[0] == 0)
                passed.AddRange(DescriptorPassing.Receive(client).Descriptors);
            while (true)
            {
                var request = await HttpRequest.ReadAsync(stream, _stopping.Token);
                if (request == null) return;
                if (request.Method == "GET" && request.Path == VmSerialEndpoint.Path)
                {
                    await VmSerialEndpoint.RunAsync(_host, stream, _stopping.Token);
                    return;
                }
                HttpResponse response;
                try
                {
                    response = await RouteAsync(request, passed);
                }
                catch (Exception error) when (!_stopping.IsCancellationRequested)
                {
                    // An answer, not a dropped connection: serve takes a VMM that hangs up for one that is gone. The handler
                    // does not touch the connection, so an IOException here is the VMM's own (a file it could not load, say).
                    await Console.Error.WriteLineAsync($"cloudbox vmm warning: {request.Method} {request.Path} failed ({Describe(error)})");
                    response = HttpResponse.Error(500, Describe(error));
                }
                await response.WriteAsync(stream, request.KeepAlive, _stopping.Token);
                if (!request.KeepAlive) return;
            }
        }
        catch (InvalidDataException error)
        {
            await HttpResponse.Error(400, error.Message).WriteAsync(stream, false, CancellationToken.None);
        }
        catch (Exception error) when (error is IOException or OperationCanceledException or SocketException or LinuxException)
        {
            // Client went away or we are shutting down.
        }
        finally
        {
            foreach (var descriptor in passed) descriptor.Dispose(); // those no hot-plug took
        }
    }

    /// <summary>An unexpected error as vmm.log and a 500 say it: its type and message, and its cause's (a type initializer's, say).</summary>
    private static string Describe(Exception error) =>
        $"{error.GetType().Name}: {error.Message}" + (error.InnerException is { } inner ? $" {inner.GetType().Name}: {inner.Message}" : "");

    private async Task<HttpResponse> RouteAsync(HttpRequest request, List<FileDescriptor> passed)
    {
        if (request.Path.StartsWith(VmDisksEndpoint.Prefix, StringComparison.Ordinal) && request.Path.Length > VmDisksEndpoint.Prefix.Length)
            return request.Method == "DELETE"
                ? await VmDisksEndpoint.DeleteAsync(_host, request.Path)
                : HttpResponse.Error(405, $"{request.Method} is not allowed on {request.Path}");
        if (request.Path.StartsWith(VmNetsEndpoint.Prefix, StringComparison.Ordinal) && request.Path.Length > VmNetsEndpoint.Prefix.Length)
            return request.Method == "DELETE"
                ? await VmNetsEndpoint.DeleteAsync(_host, request.Path)
                : HttpResponse.Error(405, $"{request.Method} is not allowed on {request.Path}");
        return (request.Method, request.Path) switch
        {
            ("GET", "/vm") => VmInfoEndpoint.Handle(_host),
            ("PUT", "/vm/actions") => VmActionsEndpoint.Handle(_host, request.Body),
            ("PUT", "/vm/disks") => VmDisksEndpoint.Put(_host, request.Body, passed),
            ("PUT", "/vm/nets") => VmNetsEndpoint.Put(_host, request.Body, passed),
            (_, "/vm" or "/vm/actions" or "/vm/disks" or "/vm/nets") => HttpResponse.Error(405, $"{request.Method} is not allowed on {request.Path}"),
            _ => HttpResponse.Error(404, $"no resource {request.Path}"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _open.TrySetResult();
        _listener.Dispose();
        await _acceptLoop;
        try { File.Delete(_path); } catch (IOException) { }
        _stopping.Dispose();
    }
}
