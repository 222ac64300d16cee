using System.Net;
using System.Security.Cryptography;
using System.Text;
using CloudBox.Linux.Netlink;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.Dhcp;

/// <summary>
/// CloudBox's DHCPv6 server on one network's bridge, next to the DHCPv4 one: reads client
/// messages (UDP 546 → 547, to ff02::1:2) off a packet socket, since the host keeps its IPv6
/// stack off tenant bridges, and answers only MACs of ports it knows (the frame's source, else the
/// MAC in a DUID-LL/LLT) with exactly their ports' addresses and settings. It names itself by a
/// DUID-LL of a MAC derived from the bridge's name, so its identity survives restarts and the
/// bridge's own MAC changing as ports come and go; it speaks from that MAC's link-local address.
/// </summary>
public sealed partial class Dhcpv6Server : IDisposable
{
    public const int ClientPort = 546, ServerPort = 547;
    public static readonly IPAddress AllServersAndRelays = IPAddress.Parse("ff02::1:2");

    private readonly PacketSocket _socket;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly byte[] _duid;
    private readonly IPAddress _linkLocal;
    private volatile IReadOnlyDictionary<string, Dhcpv6Lease> _leases;
    private volatile bool _stopping;

    public Dhcpv6Server(string bridge, string? namespacePath, IReadOnlyDictionary<string, Dhcpv6Lease> leases, ILogger logger)
    {
        Bridge = bridge;
        _leases = leases;
        _logger = logger;
        var identity = IdentityMac(bridge);
        _duid = Dhcpv6Message.LinkLayerDuid(identity);
        _linkLocal = Subnets.Ipv6.LinkLocal(MacText(identity));
        _socket = PacketSocket.Open(bridge, namespacePath, PacketSocket.EthPIpv6);
        _thread = new Thread(Serve) { IsBackground = true, Name = "dhcpv6 " + bridge };
        _thread.Start();
    }

    public string Bridge { get; }

    /// <summary>Replaces the lease table: MAC (lower-case, colon form) to lease.</summary>
    public void Update(IReadOnlyDictionary<string, Dhcpv6Lease> leases) => _leases = leases;

    /// <summary>A locally administered unicast MAC that depends only on the bridge's name.</summary>
    private static byte[] IdentityMac(string bridge)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("cloudbox-dhcpv6:" + bridge));
        return [0x02, hash[0], hash[1], hash[2], hash[3], hash[4]];
    }

    private static string MacText(ReadOnlySpan<byte> mac)
    {
        var parts = new string[mac.Length];
        for (var i = 0; i < mac.Length; i++)
            parts[i] = mac[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(':', parts);
    }

    private void Serve()
    {
        var buffer = new byte[2048];
        var mac = new byte[6];
        while (!_stopping)
        {
            try
            {
                var length = _socket.Receive(buffer, mac, 250);
                if (length == 0 || Ipv6UdpDatagram.Parse(buffer.AsSpan(0, length)) is not { } datagram
                    || datagram.DestinationPort != ServerPort || !datagram.Source.IsIPv6LinkLocal
                    || Dhcpv6Message.Parse(datagram.Payload) is not { } request)
                    continue;
                var key = MacText(mac);
                if (!_leases.TryGetValue(key, out var lease)
                    && !(Dhcpv6Message.MacOfDuid(request.Option(Dhcpv6Message.ClientId)) is { } duidMac && _leases.TryGetValue(key = MacText(duidMac), out lease)))
                    continue; // not a port of this cloud: another server's business, or nobody's
                if (Dhcpv6Answers.Answer(request, lease, _duid) is not { } reply)
                    continue;
                var answer = new Ipv6UdpDatagram(_linkLocal, datagram.Source, ServerPort, ClientPort, reply.Build());
                _socket.Send(answer.Build(), mac);
                LogAnswered(Bridge, request.Type, reply.Type, key);
            }
            catch (Exception error) when (!_stopping)
            {
                LogFailed(error, Bridge);
                Thread.Sleep(100);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        _socket.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "dhcpv6 on {Bridge}: answered {Request} with {Reply} to {Mac}")]
    private partial void LogAnswered(string bridge, byte request, byte reply, string mac);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dhcpv6 on {Bridge} failed to answer")]
    private partial void LogFailed(Exception error, string bridge);
}
