using CloudBox.Linux.Netlink;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.Dhcp;

/// <summary>
/// CloudBox's DHCPv4 server on one network's bridge: answers only MACs of ports it knows, with
/// exactly the port's fixed IP (Neutron's DHCP is a lookup, not a pool). Runs on a thread of its
/// own; leases are swapped in whole by the data plane after each pass.
/// </summary>
public sealed partial class DhcpServer : IDisposable
{
    private static readonly byte[] Broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    private readonly PacketSocket _socket;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private volatile IReadOnlyDictionary<string, DhcpLease> _leases;
    private volatile bool _stopping;

    public DhcpServer(string bridge, string? namespacePath, IReadOnlyDictionary<string, DhcpLease> leases, ILogger logger)
    {
        Bridge = bridge;
        _leases = leases;
        _logger = logger;
        _socket = PacketSocket.Open(bridge, namespacePath);
        _thread = new Thread(Serve) { IsBackground = true, Name = "dhcp " + bridge };
        _thread.Start();
    }

    public string Bridge { get; }

    /// <summary>Replaces the lease table: MAC (lower-case, colon form) to lease.</summary>
    public void Update(IReadOnlyDictionary<string, DhcpLease> leases) => _leases = leases;

    private void Serve()
    {
        var buffer = new byte[2048];
        var mac = new byte[6];
        while (!_stopping)
        {
            try
            {
                var length = _socket.Receive(buffer, mac, 250);
                if (length == 0 || DhcpPacket.Parse(buffer.AsSpan(0, length)) is not { } request)
                    continue;
                var key = string.Join(':', request.ClientMac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
                if (!_leases.TryGetValue(key, out var lease))
                    continue; // not a port of this cloud: another server's business, or nobody's
                var reply = Answer(request, lease);
                if (reply is not null)
                {
                    _socket.Send(DhcpPacket.Reply(request, reply.Value, lease), Broadcast);
                    LogAnswered(Bridge, reply.Value, key);
                }
            }
            catch (Exception error) when (!_stopping)
            {
                LogFailed(error, Bridge);
                Thread.Sleep(100);
            }
        }
    }

    private static byte? Answer(DhcpPacket.ClientRequest request, DhcpLease lease) => request.MessageType switch
    {
        DhcpPacket.Discover => DhcpPacket.Offer,
        DhcpPacket.Request when request.ServerId is { } server && server != lease.ServerId => null, // the client chose another server
        DhcpPacket.Request => (request.RequestedAddress ?? request.ClientAddress) == lease.Address ? DhcpPacket.Ack : DhcpPacket.Nak,
        DhcpPacket.Inform => DhcpPacket.Ack,
        _ => null,
    };

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        _socket.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "dhcp on {Bridge}: answered {Type} to {Mac}")]
    private partial void LogAnswered(string bridge, byte type, string mac);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dhcp on {Bridge} failed to answer")]
    private partial void LogFailed(Exception error, string bridge);
}
