using System.Net;
using CloudBox.Linux.Netlink;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.RouterAdvertisements;

/// <summary>
/// Sends one router leg's advertisements: a few in quick succession when it starts (so hosts
/// already up need not wait), then periodically, and at once in answer to a router solicitation
/// (a booting guest asks). Runs on a thread of its own inside the router's namespace socket; the
/// advertisement is swapped in whole after each data-plane pass.
/// </summary>
public sealed partial class RouterAdvertiser : IDisposable
{
    private static readonly IPAddress AllNodes = IPAddress.Parse("ff02::1");
    private static readonly IPAddress AllRouters = IPAddress.Parse("ff02::2");
    private const int InitialAdvertisements = 3;
    private static readonly TimeSpan InitialInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(200);

    private readonly string _namespacePath;
    private readonly TimeSpan _interval;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private volatile byte[] _message;
    private volatile bool _stopping;

    public RouterAdvertiser(string namespacePath, string leg, RouterAdvertisement advertisement, TimeSpan interval, ILogger logger)
    {
        _namespacePath = namespacePath;
        Leg = leg;
        _interval = interval;
        _logger = logger;
        _message = advertisement.Build();
        _thread = new Thread(Serve) { IsBackground = true, Name = "ra " + leg };
        _thread.Start();
    }

    public string Leg { get; }

    /// <summary>Advertises <paramref name="advertisement"/> from now on (at once when it changed).</summary>
    public void Update(RouterAdvertisement advertisement)
    {
        var message = advertisement.Build();
        if (!message.AsSpan().SequenceEqual(_message))
            _message = message;
    }

    private void Serve()
    {
        Icmpv6Socket? socket = null;
        var buffer = new byte[1500];
        var sent = 0;
        var lastSent = DateTime.MinValue;
        byte[]? lastMessage = null;
        while (!_stopping)
        {
            try
            {
                socket ??= Icmpv6Socket.Open(Leg, _namespacePath, [RouterAdvertisement.RouterSolicitation], [AllRouters]);
                var message = _message;
                var due = sent < InitialAdvertisements ? InitialInterval : _interval;
                if (DateTime.UtcNow - lastSent >= due || !ReferenceEquals(message, lastMessage))
                {
                    Advertise(socket, message, AllNodes);
                    (sent, lastSent, lastMessage) = (sent + 1, DateTime.UtcNow, message);
                }
                var length = socket.Receive(buffer, out var source, 250);
                if (length >= 8 && buffer[0] == RouterAdvertisement.RouterSolicitation && buffer[1] == 0 && DateTime.UtcNow - lastSent >= MinimumGap)
                {
                    // RFC 4861 6.2.6: a solicited advertisement may go to all nodes; it then also serves any other host asking.
                    Advertise(socket, message, AllNodes);
                    lastSent = DateTime.UtcNow;
                    LogSolicited(Leg, source?.ToString() ?? "?");
                }
            }
            catch (Exception error) when (!_stopping)
            {
                // The leg may be new (its link-local address not yet usable) or gone: try again shortly.
                LogFailed(error, Leg);
                socket?.Dispose();
                socket = null;
                Thread.Sleep(500);
            }
        }
        socket?.Dispose();
    }

    private static void Advertise(Icmpv6Socket socket, byte[] message, IPAddress destination) => socket.Send(message, destination);

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "router advertisement on {Leg}: answered a solicitation from {Source}")]
    private partial void LogSolicited(string leg, string source);

    [LoggerMessage(Level = LogLevel.Debug, Message = "router advertisement on {Leg} failed; retrying")]
    private partial void LogFailed(Exception error, string leg);
}
