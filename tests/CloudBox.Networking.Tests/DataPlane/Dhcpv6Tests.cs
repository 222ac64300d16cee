using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CloudBox.Linux.Netlink;
using CloudBox.Networking.Dhcp;
using static CloudBox.Networking.Dhcp.Dhcpv6Message;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>
/// CloudBox's own DHCPv6 server on a network's bridge, asked by a DHCPv6 client socket (UDP 546 to
/// ff02::1:2) in a namespace standing in for a VM, and the router advertisements that send VMs to it.
/// The VM's port is in a security group without rules: DHCPv6 passes whatever the groups say.
/// </summary>
public sealed class Dhcpv6Tests : DataPlaneFixture
{
    private static readonly IPAddress AllServers = IPAddress.Parse("ff02::1:2");

    /// <summary>A network with one IPv6 subnet in <paramref name="mode"/> behind a router, and a port on it in a group without rules.</summary>
    private async Task<(JsonObject Network, JsonObject Subnet, JsonObject Port)> NetworkWithPort(string name, string cidr, string mode,
        JsonObject? networkExtra = null)
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = name });
        if (networkExtra is not null)
            await Send(HttpMethod.Put, "/networks/" + Id(network), new JsonObject { ["network"] = networkExtra });
        var subnet = await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(network), ["cidr"] = cidr, ["ip_version"] = 6, ["ipv6_ra_mode"] = mode, ["ipv6_address_mode"] = mode,
            ["dns_nameservers"] = new JsonArray(cidr.Split('/')[0] + "53"),
        });
        var router = await Create("/routers", "router", new JsonObject { ["name"] = name + "-router" });
        await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        var closed = await Create("/security-groups", "security_group", new JsonObject { ["name"] = name + "-closed" });
        foreach (var rule in ((JsonArray)closed["security_group_rules"]!).ToList())
            await Send(HttpMethod.Delete, "/security-group-rules/" + Id(rule!));
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["security_groups"] = new JsonArray(Id(closed)) });
        return (network, subnet, port);
    }

    /// <summary>A DHCPv6 client socket in <paramref name="vm"/>, once the VM's link-local address is usable (past duplicate address detection).</summary>
    private static (Socket Socket, int InterfaceIndex) Client(ThrowawayNamespace vm)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (vm.Exec("ip", "-6", "addr", "show", "dev", "eth0", "scope", "link") is var shown
               && (!shown.Contains("fe80::", StringComparison.Ordinal) || shown.Contains("tentative", StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("the VM's link-local address never became usable: " + shown);
            Thread.Sleep(100);
        }
        using var netlink = RouteNetlink.Open(vm.Path);
        var index = netlink.IndexOf("eth0");
        var socket = NetworkNamespace.Run(vm.Path, () => new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp));
        socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, Dhcpv6Server.ClientPort));
        socket.ReceiveTimeout = 1000;
        return (socket, index);
    }

    /// <summary>Sends <paramref name="request"/> to all DHCP servers a few times until an answer of the same transaction comes; null when none does.</summary>
    private static Dhcpv6Message? Ask(Socket socket, int index, Dhcpv6Message request)
    {
        var buffer = new byte[1500];
        for (var attempt = 0; attempt < 4; attempt++)
        {
            socket.SendTo(request.Build(), new IPEndPoint(new IPAddress(AllServers.GetAddressBytes(), index), Dhcpv6Server.ServerPort));
            try
            {
                while (true)
                {
                    var length = socket.Receive(buffer);
                    if (Parse(buffer.AsSpan(0, length)) is { } answer && answer.TransactionId == request.TransactionId)
                        return answer;
                }
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.TimedOut)
            {
            }
        }
        return null;
    }

    private static byte[] Duid(JsonObject port) => [0, 3, 0, 1, .. port["mac_address"]!.GetValue<string>().Split(':').Select(b => Convert.ToByte(b, 16))];

    private static List<IPAddress> AddressesIn(Dhcpv6Message answer) => [.. answer.AddressAssociations().SelectMany(ia => ia.Addresses)];

    private static List<IPAddress> DnsIn(Dhcpv6Message answer) =>
        answer.Option(DnsServers) is { } value ? [.. value.Chunk(16).Select(c => new IPAddress(c))] : [];

    /// <summary>Flags byte of the first router advertisement the VM hears, and whether its first prefix has the autonomous flag.</summary>
    private static (bool Managed, bool Other, bool Autonomous) AdvertisementFlags(ThrowawayNamespace vm)
    {
        using var socket = Icmpv6Socket.Open("eth0", vm.Path, [134], []);
        var buffer = new byte[1500];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var length = socket.Receive(buffer, out _, 500);
            if (length < 16 || buffer[0] != 134)
                continue;
            var autonomous = false;
            for (var offset = 16; offset + 8 <= length && buffer[offset + 1] > 0; offset += buffer[offset + 1] * 8)
            {
                if (buffer[offset] == 3)
                {
                    autonomous = (buffer[offset + 3] & 0x40) != 0;
                    break;
                }
            }
            return ((buffer[5] & 0x80) != 0, (buffer[5] & 0x40) != 0, autonomous);
        }
        Assert.Fail("no router advertisement reached the VM");
        return default;
    }

    [Test]
    public async Task AStatefulSubnetsRouterSetsTheManagedFlagAndTheServerLeasesThePortsFixedAddressThroughSolicitRequestRenewAndRelease()
    {
        var (_, _, port) = await NetworkWithPort("v6-stateful", "fd00:61::/64", "dhcpv6-stateful");
        var address = IPAddress.Parse(Address(port));
        Assert.That(Address(port), Is.EqualTo("fd00:61::2"), "a stateful subnet hands out pool addresses");
        var vm = await Vm(port, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(AdvertisementFlags(vm), Is.EqualTo((true, false, false)), "M set, no SLAAC from the prefix");

        var (socket, index) = Client(vm);
        using var _ = socket;
        var solicit = new Dhcpv6Message(Solicit, 0x1a2b3c).Add(ClientId, Duid(port)).Add(ElapsedTime, [0, 0])
            .Add(IaNa, AddressAssociation(7, 0, 0, [])).Add(OptionRequest, [0, (byte)DnsServers]);
        var advertise = Ask(socket, index, solicit);
        Assert.That(advertise, Is.Not.Null, "the server answered the SOLICIT");
        Assert.That(advertise!.Type, Is.EqualTo(Advertise));
        Assert.That(advertise.Option(ClientId), Is.EqualTo(Duid(port)));
        Assert.That(advertise.AddressAssociations().Single().Iaid, Is.EqualTo(7u));
        Assert.That(AddressesIn(advertise), Is.EqualTo(new[] { address }), "the advertised address is the port's fixed IP");
        Assert.That(DnsIn(advertise), Is.EqualTo(new[] { IPAddress.Parse("fd00:61::53") }));
        var serverId = advertise.Option(ServerId)!;

        var request = new Dhcpv6Message(Request, 0x1a2b3d).Add(ClientId, Duid(port)).Add(ServerId, serverId)
            .Add(IaNa, AddressAssociation(7, 0, 0, [(address, 0, 0)]));
        var reply = Ask(socket, index, request);
        Assert.That(reply?.Type, Is.EqualTo(Reply));
        var ia = reply!.AddressAssociations().Single();
        Assert.That(ia.Addresses, Is.EqualTo(new[] { address }));
        Assert.That(ia.T1, Is.GreaterThan(0u).And.LessThan(ia.T2), "renewal times the client can keep");

        var stale = IPAddress.Parse("fd00:61::99");
        var renew = new Dhcpv6Message(Renew, 0x1a2b3e).Add(ClientId, Duid(port)).Add(ServerId, serverId)
            .Add(IaNa, AddressAssociation(7, 0, 0, [(address, 0, 0), (stale, 0, 0)]));
        var renewed = Ask(socket, index, renew)!;
        var lifetimes = Lifetimes(renewed.Options.Single(o => o.Code == IaNa).Value);
        Assert.That(lifetimes[address], Is.GreaterThan(0u), "the port's address is renewed");
        Assert.That(lifetimes[stale], Is.EqualTo(0u), "an address that is not the port's is given back with lifetime zero");

        var rebound = Ask(socket, index, new Dhcpv6Message(Rebind, 0x1a2b41).Add(ClientId, Duid(port))
            .Add(IaNa, AddressAssociation(7, 0, 0, [(address, 0, 0)])));
        Assert.That(rebound?.Type, Is.EqualTo(Reply), "a REBIND (to any server) is answered");
        Assert.That(AddressesIn(rebound!), Is.EqualTo(new[] { address }));

        Dhcpv6Message Confirming(IPAddress held, int transaction) => new Dhcpv6Message(Confirm, transaction).Add(ClientId, Duid(port))
            .Add(IaNa, AddressAssociation(7, 0, 0, [(held, 0, 0)]));
        Assert.That(StatusOf(Ask(socket, index, Confirming(address, 0x1a2b42))?.Option(StatusCode)), Is.EqualTo(Success), "after a move, the address is still on link");
        Assert.That(StatusOf(Ask(socket, index, Confirming(IPAddress.Parse("fd00:99::5"), 0x1a2b43))?.Option(StatusCode)), Is.EqualTo(NotOnLink));

        var rapid = Ask(socket, index, new Dhcpv6Message(Solicit, 0x1a2b44).Add(ClientId, Duid(port)).Add(RapidCommit, [])
            .Add(IaNa, AddressAssociation(8, 0, 0, [])));
        Assert.That(rapid?.Type, Is.EqualTo(Reply), "a SOLICIT with rapid commit is answered by a REPLY at once");
        Assert.That(rapid!.Has(RapidCommit) && AddressesIn(rapid).SequenceEqual([address]), Is.True);

        var otherServer = new Dhcpv6Message(Request, 0x1a2b3f).Add(ClientId, Duid(port)).Add(ServerId, [0, 3, 0, 1, 2, 0, 0, 0, 0, 1])
            .Add(IaNa, AddressAssociation(7, 0, 0, [(address, 0, 0)]));
        Assert.That(Ask(socket, index, otherServer), Is.Null, "a REQUEST for another server gets no answer");

        var release = Ask(socket, index, new Dhcpv6Message(Release, 0x1a2b40).Add(ClientId, Duid(port)).Add(ServerId, serverId)
            .Add(IaNa, AddressAssociation(7, 0, 0, [(address, 0, 0)])));
        Assert.That(StatusOf(release?.Option(StatusCode)), Is.EqualTo(Success));

        // With the leased address (and a group that lets it out) the VM reaches its router.
        var groups = await Send(HttpMethod.Get, "/security-groups?name=default");
        await Send(HttpMethod.Put, "/ports/" + Id(port),
            new JsonObject { ["port"] = new JsonObject { ["security_groups"] = new JsonArray(Id(groups!["security_groups"]![0]!)) } });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        vm.Exec("ip", "-6", "addr", "add", Address(port) + "/64", "dev", "eth0", "nodad");
        Assert.That(Reaches(vm, "fd00:61::1"), Is.True, "the VM reaches the router with its leased address");
    }

    private static Dictionary<IPAddress, uint> Lifetimes(byte[] iaNa)
    {
        var result = new Dictionary<IPAddress, uint>();
        var options = iaNa.AsSpan(12);
        while (options.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(options[2..]);
            if (BinaryPrimitives.ReadUInt16BigEndian(options) == IaAddress)
                result[new IPAddress(options.Slice(4, 16))] = BinaryPrimitives.ReadUInt32BigEndian(options[(4 + 20)..]);
            options = options[(4 + length)..];
        }
        return result;
    }

    [Test]
    public async Task AStatelessSubnetsRouterSetsTheOtherFlagAndTheServerAnswersAnInformationRequestWithDnsAndTheSearchList()
    {
        var (_, _, port) = await NetworkWithPort("v6-stateless", "fd00:62::/64", "dhcpv6-stateless",
            new JsonObject { ["dns_domain"] = "tenant.example." });
        var vm = await Vm(port, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(AdvertisementFlags(vm), Is.EqualTo((false, true, true)), "O set, the address by SLAAC");

        var (socket, index) = Client(vm);
        using var _ = socket;
        var reply = Ask(socket, index, new Dhcpv6Message(InformationRequest, 0x0c0ffe).Add(ClientId, Duid(port)).Add(ElapsedTime, [0, 0])
            .Add(OptionRequest, [0, (byte)DnsServers, 0, (byte)DomainList]));
        Assert.That(reply?.Type, Is.EqualTo(Reply));
        Assert.That(DnsIn(reply!), Is.EqualTo(new[] { IPAddress.Parse("fd00:62::53") }));
        Assert.That(reply!.Option(DomainList), Is.EqualTo(DomainNames(["tenant.example"])));
        Assert.That(reply.Has(IaNa), Is.False, "stateless: no addresses");
        Assert.That(Ask(socket, index, new Dhcpv6Message(Solicit, 0x0c0fff).Add(ClientId, Duid(port)).Add(IaNa, AddressAssociation(1, 0, 0, []))),
            Is.Null, "a SOLICIT on a stateless subnet gets no answer: there is no address to lease");
    }

    [Test]
    public async Task UnknownMacsGetNoDhcpv6Answer()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "v6-quiet" });
        await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(network), ["cidr"] = "fd00:63::/64", ["ip_version"] = 6, ["ipv6_address_mode"] = "dhcpv6-stateful",
        });
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["port_security_enabled"] = false });
        var vm = await Vm(port, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        var (socket, index) = Client(vm);
        using var _ = socket;
        var solicit = new Dhcpv6Message(Solicit, 0x4242).Add(ClientId, Duid(port)).Add(IaNa, AddressAssociation(1, 0, 0, []));
        Assert.That(Ask(socket, index, solicit)?.Type, Is.EqualTo(Advertise), "the port's own MAC is answered");

        vm.Exec("ip", "link", "set", "eth0", "address", "fa:16:3e:de:ad:02");
        var stranger = new Dhcpv6Message(Solicit, 0x4243).Add(ClientId, [0, 3, 0, 1, 0xfa, 0x16, 0x3e, 0xde, 0xad, 0x02])
            .Add(IaNa, AddressAssociation(1, 0, 0, []));
        Assert.That(Ask(socket, index, stranger), Is.Null);
    }

    [Test]
    public async Task AVmCannotAnswerAnotherAsADhcpv6Server()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "v6-rogue" });
        await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(network), ["cidr"] = "fd00:64::/64", ["ip_version"] = 6, ["ipv6_address_mode"] = "dhcpv6-stateful",
        });
        var rogue = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var victim = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var rogueVm = await Vm(rogue, null, configureAddress: false);
        var victimVm = await Vm(victim, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        var (client, _) = Client(victimVm);
        using var _ = client;
        var (rogueClient, index) = Client(rogueVm);
        rogueClient.Dispose(); // only its wait for the link-local address and the interface index were wanted
        var victimAddress = new IPAddress(Subnets.Ipv6.LinkLocal(victim["mac_address"]!.GetValue<string>()).GetAddressBytes(), index);
        var fake = new Dhcpv6Message(Advertise, 0x5151).Add(ServerId, [0, 3, 0, 1, 2, 0, 0, 0, 0, 9]).Build();

        bool Delivered(int sourcePort)
        {
            using var sender = NetworkNamespace.Run(rogueVm.Path, () => new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp));
            sender.Bind(new IPEndPoint(IPAddress.IPv6Any, sourcePort));
            var buffer = new byte[1500];
            for (var attempt = 0; attempt < 3; attempt++)
            {
                sender.SendTo(fake, new IPEndPoint(victimAddress, Dhcpv6Server.ClientPort));
                try
                {
                    client.Receive(buffer);
                    return true;
                }
                catch (SocketException error) when (error.SocketErrorCode == SocketError.TimedOut)
                {
                }
            }
            return false;
        }

        Assert.That(Delivered(40547), Is.True, "the default group lets members talk over link-local addresses");
        Assert.That(Delivered(Dhcpv6Server.ServerPort), Is.False, "a DHCPv6 server message from a VM is dropped");
    }

    /// <summary>
    /// Runs the stock ISC dhclient once in <paramref name="vm"/> (stateless with <paramref name="informationOnly"/>);
    /// its script only records what it was told. The client it leaves running is stopped by its pid file.
    /// </summary>
    private static Dictionary<string, string> Dhclient(ThrowawayNamespace vm, bool informationOnly)
    {
        if (ThrowawayNamespace.Try("sh", "-c", "command -v dhclient") != 0)
            Assert.Ignore("dhclient (package isc-dhcp-client) is needed for the stock DHCPv6 client");
        var directory = Directory.CreateTempSubdirectory("cloudbox-ipv6more-dhclient-").FullName;
        try
        {
            Client(vm).Socket.Dispose(); // waits for the link-local address dhclient sends from
            var script = Path.Combine(directory, "script.sh");
            File.WriteAllText(script, $$"""
                #!/bin/sh
                {
                  echo "reason=$reason"
                  [ -n "$new_ip6_address" ] && echo "address=$new_ip6_address"
                  [ -n "$new_dhcp6_name_servers" ] && echo "dns=$new_dhcp6_name_servers"
                  [ -n "$new_dhcp6_domain_search" ] && echo "search=$new_dhcp6_domain_search"
                } >> "{{directory}}/events"
                exit 0
                """);
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllText(Path.Combine(directory, "dhclient.conf"), "timeout 20;\nrequest dhcp6.name-servers, dhcp6.domain-search;\n");
            string[] arguments = ["dhclient", "-6", "-1", "-cf", Path.Combine(directory, "dhclient.conf"), "-lf", Path.Combine(directory, "leases"),
                "-pf", Path.Combine(directory, "pid"), "-sf", script, .. informationOnly ? new[] { "-S" } : [], "eth0"];
            var exit = ThrowawayNamespace.Try("ip", ["netns", "exec", vm.Name, .. arguments]);
            // What it was told, read before it is stopped: stopping runs the script again (and rewrites its leases).
            var events = exit == 0 ? File.ReadAllLines(Path.Combine(directory, "events")) : [];
            var pidFile = Path.Combine(directory, "pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            {
                ThrowawayNamespace.Try("kill", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
                for (var i = 0; i < 100 && Runs(pid); i++)
                    Thread.Sleep(50); // it writes into the directory until it has exited
            }
            Assert.That(exit, Is.EqualTo(0), "dhclient got an answer");
            return events.Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Whether a process still runs (a zombie no one reaps here has exited: PID 1 is not an init).</summary>
    private static bool Runs(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Test]
    public async Task TheStockDhclientLeasesThePortsAddressOnAStatefulSubnetAndLearnsDnsAndTheSearchListOnAStatelessOne()
    {
        var (_, _, stateful) = await NetworkWithPort("v6-dhclient", "fd00:65::/64", "dhcpv6-stateful");
        var (_, _, stateless) = await NetworkWithPort("v6-dhclient-s", "fd00:66::/64", "dhcpv6-stateless",
            new JsonObject { ["dns_domain"] = "stock.example." });
        var statefulVm = await Vm(stateful, null, configureAddress: false);
        var statelessVm = await Vm(stateless, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);

        var lease = Dhclient(statefulVm, informationOnly: false);
        Assert.That(lease["reason"], Is.EqualTo("BOUND6"));
        Assert.That(IPAddress.Parse(lease["address"]), Is.EqualTo(IPAddress.Parse(Address(stateful))), "dhclient was leased the port's fixed IP");
        Assert.That(lease["dns"], Is.EqualTo("fd00:65::53"));

        var settings = Dhclient(statelessVm, informationOnly: true);
        Assert.That(settings.ContainsKey("address"), Is.False, "stateless: no address");
        Assert.That(settings["dns"], Is.EqualTo("fd00:66::53"));
        Assert.That(settings["search"], Is.EqualTo("stock.example."));
    }
}
