using System.Buffers.Binary;
using System.Net;

namespace CloudBox.Linux.Netlink;

/// <summary>
/// rtnetlink for one network namespace: create and delete links (bridge, veth, vxlan), enslave
/// them to bridges, bring them up, and manage addresses (IPv4 and IPv6) and IPv4 routes. Create operations are
/// idempotent where the kernel allows (EEXIST is success).
/// </summary>
public sealed class RouteNetlink : IDisposable
{
    private const ushort NewLink = 16, DelLink = 17, GetLink = 18, NewAddress = 20, DelAddress = 21, GetAddress = 22, NewRoute = 24, DelRoute = 25, GetRoute = 26, NewRule = 32, DelRule = 33;
    private const ushort IflaAddress = 1, IflaIfname = 3, IflaMtu = 4, IflaMaster = 10, IflaOperstate = 16, IflaLinkinfo = 18, IflaNetNsFd = 28;
    private const ushort InfoKind = 1, InfoData = 2, VethInfoPeer = 1;
    private const ushort VxlanId = 1, VxlanLearning = 7, VxlanPort = 15;
    private const ushort IfaAddress = 1, IfaLocal = 2;
    private const ushort RtaDst = 1, RtaOif = 4, RtaGateway = 5, RtaTable = 15;
    private const byte MainTable = 254, StaticProtocol = 4;
    private const ushort FraDst = 1, FraIifname = 3, FraPriority = 6, FraTable = 15;
    private const uint IffUp = 1;
    private const byte AfInet = 2, AfInet6 = 10;
    private const byte IfaFlagNoDad = 0x02;

    private readonly NetlinkSocket _socket;

    private RouteNetlink(NetlinkSocket socket) => _socket = socket;

    /// <summary>rtnetlink in the namespace at <paramref name="namespacePath"/>, or in the caller's own when null.</summary>
    public static RouteNetlink Open(string? namespacePath = null) =>
        new(NetworkNamespace.Run(namespacePath, () => NetlinkSocket.Open(NetlinkSocket.Route)));

    public IReadOnlyList<LinkInfo> Links()
    {
        var replies = _socket.Dump(new NetlinkMessage(GetLink, 0).Append(new byte[16]), "dump links");
        var links = new List<LinkInfo>(replies.Count);
        foreach (var reply in replies)
            links.Add(ParseLink(reply));
        return links;
    }

    /// <summary>One link by name (a single "get", not a dump of all), or null when there is none.</summary>
    public LinkInfo? Find(string name)
    {
        var reply = _socket.Get(new NetlinkMessage(GetLink, 0).Append(new byte[16]).String(IflaIfname, name), $"get link {name}", NetlinkErrno.ENODEV);
        return reply is null ? null : ParseLink(reply);
    }

    private static LinkInfo ParseLink(byte[] reply)
    {
        var index = BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(4));
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(reply.AsSpan(8));
        var attributes = NetlinkAttributes.Parse(reply.AsSpan(16));
        return new LinkInfo(index, attributes.String(IflaIfname) ?? "", attributes.Nested(IflaLinkinfo)?.String(InfoKind),
            (int?)attributes.U32(IflaMaster), (int)(attributes.U32(IflaMtu) ?? 0), (flags & IffUp) != 0, attributes[IflaAddress]);
    }

    public void CreateBridge(string name, int mtu) => CreateLink(name, "bridge", mtu, null);

    /// <summary>A VXLAN port for VNI <paramref name="vni"/> on the standard UDP port, learning remote MACs.</summary>
    public void CreateVxlan(string name, int vni, int mtu) => CreateLink(name, "vxlan", mtu, message =>
    {
        message.U32(VxlanId, (uint)vni);
        message.U16BigEndian(VxlanPort, 4789);
        message.U8(VxlanLearning, 1);
    });

    /// <summary>
    /// A veth pair: <paramref name="name"/> here, <paramref name="peer"/> in the namespace at
    /// <paramref name="peerNamespacePath"/> (here when null).
    /// </summary>
    public void CreateVeth(string name, string peer, int mtu, string? peerNamespacePath)
    {
        using var peerNamespace = peerNamespacePath is null ? null : NetworkNamespace.Open(peerNamespacePath);
        CreateLink(name, "veth", mtu, message =>
        {
            var peerStart = message.BeginNested(VethInfoPeer);
            message.Append(new byte[16]); // the peer's ifinfomsg
            message.String(IflaIfname, peer);
            message.U32(IflaMtu, (uint)mtu);
            if (peerNamespace is not null)
                message.U32(IflaNetNsFd, (uint)peerNamespace.Value);
            message.EndNested(peerStart);
        });
    }

    public void Delete(string name)
    {
        var message = new NetlinkMessage(DelLink, 0).Append(new byte[16]).String(IflaIfname, name);
        try
        {
            _socket.Request(message, $"delete link {name}");
        }
        catch (LinuxException error) when (error.Errno is NetlinkErrno.ENODEV or NetlinkErrno.ENOENT)
        {
        }
    }

    /// <summary>Puts <paramref name="name"/> into bridge <paramref name="bridge"/> (no bridge: out of any) and brings it up.</summary>
    public void SetMasterAndUp(string name, string? bridge)
    {
        var masterIndex = bridge is null ? 0 : IndexOf(bridge);
        SetLink(name, message => message.U32(IflaMaster, (uint)masterIndex), up: true);
    }

    /// <summary>
    /// Puts each link into its bridge (by the bridge's index) and brings it up, all in one datagram;
    /// a link that vanished meanwhile is skipped, any other failure raised.
    /// </summary>
    public void SetMastersAndUp(IReadOnlyList<(string Name, int MasterIndex)> links)
    {
        var messages = new List<NetlinkMessage>(links.Count);
        foreach (var (name, masterIndex) in links)
            messages.Add(LinkMessage(name, up: true).U32(IflaMaster, (uint)masterIndex));
        var results = _socket.RequestEach(messages, "set links");
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i] is not (0 or NetlinkErrno.ENODEV))
                throw new LinuxException($"set link {links[i].Name}", results[i]);
        }
    }

    public void SetUp(string name) => SetLink(name, null, up: true);

    public void SetMtu(string name, int mtu) => SetLink(name, message => message.U32(IflaMtu, (uint)mtu), up: true);

    public void SetMac(string name, byte[] mac) => SetLink(name, message => message.Attribute(IflaAddress, mac), up: false);

    public int IndexOf(string name) =>
        Find(name)?.Index ?? throw new LinuxException($"no link {name}", NetlinkErrno.ENODEV);

    /// <summary>
    /// Adds <paramref name="address"/>/<paramref name="prefixLength"/> to <paramref name="name"/>; present already is fine.
    /// An IPv6 address skips duplicate address detection: it is usable (as a gateway) at once.
    /// </summary>
    public void AddAddress(string name, IPAddress address, int prefixLength)
    {
        var message = AddressMessage(NewAddress, IndexOf(name), address, prefixLength);
        message.Flags |= NetlinkSocket.FlagCreate | NetlinkSocket.FlagReplace;
        _socket.Request(message, $"add address {address}/{prefixLength} to {name}");
    }

    public void DeleteAddress(string name, IPAddress address, int prefixLength)
    {
        try
        {
            _socket.Request(AddressMessage(DelAddress, IndexOf(name), address, prefixLength), $"delete address {address} from {name}");
        }
        catch (LinuxException error) when (error.Errno is NetlinkErrno.EADDRNOTAVAIL or NetlinkErrno.ENODEV)
        {
        }
    }

    /// <summary>IPv4 addresses on interface <paramref name="index"/>, as (address, prefix length).</summary>
    public IReadOnlyList<(IPAddress Address, int PrefixLength)> Addresses(int index) =>
        AllAddresses().Where(a => a.Index == index).Select(a => (a.Address, a.PrefixLength)).ToList();

    /// <summary>Every IPv4 (or, with <paramref name="ipv6"/>, IPv6) address in the namespace with its interface's index, from one dump.</summary>
    public IReadOnlyList<(int Index, IPAddress Address, int PrefixLength)> AllAddresses(bool ipv6 = false)
    {
        var family = ipv6 ? AfInet6 : AfInet;
        var replies = _socket.Dump(new NetlinkMessage(GetAddress, 0).Append([family, 0, 0, 0, 0, 0, 0, 0]), "dump addresses");
        var result = new List<(int, IPAddress, int)>();
        foreach (var reply in replies)
        {
            if (reply[0] != family)
                continue;
            var attributes = NetlinkAttributes.Parse(reply.AsSpan(8));
            if ((attributes[IfaLocal] ?? attributes[IfaAddress]) is { Length: 4 or 16 } bytes)
                result.Add((BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(4)), new IPAddress(bytes), reply[1]));
        }
        return result;
    }

    /// <summary>The name of interface <paramref name="index"/>, or null when there is none.</summary>
    public string? NameOf(int index)
    {
        Span<byte> header = stackalloc byte[16];
        header.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], index);
        var reply = _socket.Get(new NetlinkMessage(GetLink, 0).Append(header), $"get link {index}", NetlinkErrno.ENODEV);
        return reply is null ? null : ParseLink(reply).Name;
    }

    /// <summary>
    /// Sets a route to <paramref name="destination"/>/<paramref name="prefixLength"/> via
    /// <paramref name="gateway"/> (or straight out of <paramref name="device"/>), replacing any
    /// route to the same destination.
    /// </summary>
    public void ReplaceRoute(IPAddress destination, int prefixLength, IPAddress? gateway, string? device, uint table = MainTable)
    {
        var message = RouteMessage(NewRoute, destination, prefixLength, gateway, device);
        if (table != MainTable)
            message.U32(RtaTable, table);
        message.Flags |= NetlinkSocket.FlagCreate | NetlinkSocket.FlagReplace;
        _socket.Request(message, $"route {destination}/{prefixLength}");
    }

    /// <summary>
    /// A policy rule: packets that came in on <paramref name="inputInterface"/> for
    /// <paramref name="destination"/>/<paramref name="prefixLength"/> are routed by table
    /// <paramref name="table"/>; present already is fine.
    /// </summary>
    public void AddRule(string inputInterface, IPAddress destination, int prefixLength, uint table, uint priority)
    {
        try
        {
            _socket.Request(RuleMessage(NewRule, inputInterface, destination, prefixLength, table, priority), $"rule iif {inputInterface} to {destination}");
        }
        catch (LinuxException error) when (error.Errno == NetlinkErrno.EEXIST)
        {
        }
    }

    public void DeleteRule(string inputInterface, IPAddress destination, int prefixLength, uint priority)
    {
        try
        {
            _socket.Request(RuleMessage(DelRule, inputInterface, destination, prefixLength, 0, priority), $"delete rule iif {inputInterface}");
        }
        catch (LinuxException error) when (error.Errno is NetlinkErrno.ENOENT or NetlinkErrno.ESRCH)
        {
        }
    }

    private static NetlinkMessage RuleMessage(ushort type, string inputInterface, IPAddress destination, int prefixLength, uint table, uint priority)
    {
        // fib_rule_hdr: family, dst_len, src_len, tos, table, two reserved, action (1: go to table); flags.
        var message = new NetlinkMessage(type, type == NewRule ? (ushort)(NetlinkSocket.FlagCreate | NetlinkSocket.FlagExclusive) : (ushort)0)
            .Append([AfInet, (byte)prefixLength, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
            .Attribute(FraDst, destination.GetAddressBytes()).String(FraIifname, inputInterface).U32(FraPriority, priority);
        return table == 0 ? message : message.U32(FraTable, table);
    }

    /// <summary>The IPv4 (or, with <paramref name="ipv6"/>, IPv6) unicast routes of the main table, from one dump.</summary>
    public IReadOnlyList<RouteInfo> Routes(bool ipv6 = false)
    {
        var family = ipv6 ? AfInet6 : AfInet;
        var length = ipv6 ? 16 : 4;
        var replies = _socket.Dump(new NetlinkMessage(GetRoute, 0).Append(new byte[12] { family, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), "dump routes");
        var routes = new List<RouteInfo>();
        foreach (var reply in replies)
        {
            if (reply.Length < 12 || reply[0] != family || reply[7] != 1)
                continue;
            var attributes = NetlinkAttributes.Parse(reply.AsSpan(12));
            if ((attributes.U32(RtaTable) ?? reply[4]) != MainTable)
                continue;
            var destination = attributes[RtaDst] is { } dst && dst.Length == length ? new IPAddress(dst) : ipv6 ? IPAddress.IPv6Any : IPAddress.Any;
            var gateway = attributes[RtaGateway] is { } via && via.Length == length ? new IPAddress(via) : null;
            routes.Add(new RouteInfo(destination, reply[1], gateway, (int?)attributes.U32(RtaOif), reply[5]));
        }
        return routes;
    }

    /// <summary>Deletes the route to <paramref name="destination"/>/<paramref name="prefixLength"/> that CloudBox made (protocol static); others stay.</summary>
    public void DeleteRoute(IPAddress destination, int prefixLength)
    {
        try
        {
            _socket.Request(RouteMessage(DelRoute, destination, prefixLength, null, null), $"delete route {destination}/{prefixLength}");
        }
        catch (LinuxException error) when (error.Errno is NetlinkErrno.ESRCH or NetlinkErrno.ENOENT)
        {
        }
    }

    private void CreateLink(string name, string kind, int mtu, Action<NetlinkMessage>? data)
    {
        var message = new NetlinkMessage(NewLink, NetlinkSocket.FlagCreate | NetlinkSocket.FlagExclusive).Append(new byte[16]);
        message.String(IflaIfname, name);
        message.U32(IflaMtu, (uint)mtu);
        var info = message.BeginNested(IflaLinkinfo);
        message.String(InfoKind, kind);
        if (data is not null)
        {
            var dataStart = message.BeginNested(InfoData);
            data(message);
            message.EndNested(dataStart);
        }
        message.EndNested(info);
        try
        {
            _socket.Request(message, $"create {kind} {name}");
        }
        catch (LinuxException error) when (error.Errno == NetlinkErrno.EEXIST)
        {
        }
    }

    private void SetLink(string name, Action<NetlinkMessage>? attributes, bool up)
    {
        var message = LinkMessage(name, up);
        attributes?.Invoke(message);
        _socket.Request(message, $"set link {name}");
    }

    private static NetlinkMessage LinkMessage(string name, bool up)
    {
        Span<byte> header = stackalloc byte[16];
        header.Clear();
        if (up)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], IffUp);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], IffUp);
        }
        // Index 0 and a name: the kernel finds the link itself, saving a lookup per change.
        return new NetlinkMessage(NewLink, 0).Append(header).String(IflaIfname, name);
    }

    private static NetlinkMessage AddressMessage(ushort type, int index, IPAddress address, int prefixLength)
    {
        Span<byte> header = stackalloc byte[8];
        header.Clear();
        var ipv6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        header[0] = ipv6 ? AfInet6 : AfInet;
        header[1] = (byte)prefixLength;
        header[2] = ipv6 ? IfaFlagNoDad : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], index);
        var bytes = address.GetAddressBytes();
        return new NetlinkMessage(type, 0).Append(header).Attribute(IfaLocal, bytes).Attribute(IfaAddress, bytes);
    }

    private NetlinkMessage RouteMessage(ushort type, IPAddress destination, int prefixLength, IPAddress? gateway, string? device)
    {
        // rtmsg: family, dst_len, src_len, tos, table (main), protocol (static), scope, type (unicast); flags.
        // Scope: link for a device route, universe via a gateway; a delete names "nowhere", which matches any.
        byte scope = type == DelRoute ? (byte)255 : gateway is null && device is not null ? (byte)253 : (byte)0;
        var family = destination.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? AfInet6 : AfInet;
        var message = new NetlinkMessage(type, 0).Append([family, (byte)prefixLength, 0, 0, MainTable, StaticProtocol, scope, 1, 0, 0, 0, 0]);
        if (prefixLength > 0)
            message.Attribute(RtaDst, destination.GetAddressBytes());
        if (gateway is not null)
            message.Attribute(RtaGateway, gateway.GetAddressBytes());
        if (device is not null)
            message.U32(RtaOif, (uint)IndexOf(device));
        return message;
    }

    public void Dispose() => _socket.Dispose();
}
