using System.Text.Json.Nodes;
using CloudBox.Linux.Netlink;
using CloudBox.Networking.DataPlane;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>End to end through the kernel: VMs on a network, security groups, the router's SNAT and floating IPs.</summary>
public sealed class DataPathTests : DataPlaneFixture
{
    [Test]
    public async Task TwoVmsOnOneNetworkReachEachOtherAndASecurityGroupBlocksThenAllows()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "dp-net" });
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.77.0.0/24", ["ip_version"] = 4 });
        var a = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var b = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var vmA = await Vm(a, "10.77.0.1");
        var vmB = await Vm(b, "10.77.0.1");
        await Reconciler.ReconcileNowAsync(CancellationToken.None);

        using (var host = RouteNetlink.Open(Host.Path))
        {
            var bridge = host.Find(KernelNames.Bridge(Id(network)));
            Assert.That(bridge, Is.Not.Null);
            Assert.That(host.Find(KernelNames.Vxlan(Id(network)))?.MasterIndex, Is.EqualTo(bridge!.Index));
            Assert.That(host.Find(KernelNames.Tap(Id(a)))?.MasterIndex, Is.EqualTo(bridge.Index));
        }
        // Both ports are in the project's default group, which admits its own members.
        Assert.That(Reaches(vmA, Address(b)), Is.True, "default group members reach each other");

        var closed = await Create("/security-groups", "security_group", new JsonObject { ["name"] = "closed" });
        await Send(HttpMethod.Put, "/ports/" + Id(b), new JsonObject { ["port"] = new JsonObject { ["security_groups"] = new JsonArray(Id(closed)) } });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Pings(vmA, Address(b)), Is.False, "a group without ingress rules blocks");

        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(closed), ["direction"] = "ingress", ["protocol"] = "icmp", ["remote_ip_prefix"] = "10.77.0.0/24",
        });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Reaches(vmA, Address(b)), Is.True, "an ingress ICMP rule allows");
    }

    [Test]
    public async Task EqualAddressesOnOverlappingNetworksKeepTheirOwnRules()
    {
        var closed = await Create("/security-groups", "security_group", new JsonObject { ["name"] = "closed-twin" });
        var first = await Create("/networks", "network", new JsonObject { ["name"] = "twin-1" });
        var second = await Create("/networks", "network", new JsonObject { ["name"] = "twin-2" });
        foreach (var network in new[] { first, second })
            await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.90.0.0/24", ["ip_version"] = 4 });
        // The twin comes first, so its rules would be met first: same address as the server, on the
        // other network, in a group that admits nothing.
        await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(second), ["security_groups"] = new JsonArray(Id(closed)),
            ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.90.0.50" }),
        });
        var client = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(first) });
        var server = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(first), ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.90.0.50" }),
        });
        var vm = await Vm(client, null);
        await Vm(server, null);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Reaches(vm, Address(server)), Is.True, "the twin's closed group does not apply on the other network");
    }

    [Test]
    public async Task AVmCannotSendFromAnAddressThatIsNotItsOwn()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "spoof-net" });
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.78.0.0/24", ["ip_version"] = 4 });
        var a = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var b = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var vmA = await Vm(a, null);
        await Vm(b, null);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Reaches(vmA, Address(b)), Is.True);
        vmA.Exec("ip", "addr", "flush", "dev", "eth0");
        vmA.Exec("ip", "addr", "add", "10.78.0.200/24", "dev", "eth0");
        Assert.That(Pings(vmA, Address(b)), Is.False, "a forged source address is dropped");
    }

    [Test]
    public async Task RouterSnatsOutAndAFloatingIpReachesTheVmFromTheHost()
    {
        var external = await Create("/networks", "network", new JsonObject
        {
            ["name"] = "dp-ext", ["router:external"] = true, ["provider:network_type"] = "flat", ["provider:physical_network"] = "external",
        });
        await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(external), ["cidr"] = "203.0.113.0/24", ["ip_version"] = 4, ["enable_dhcp"] = false,
        });
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "dp-inner" });
        var subnet = await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.79.0.0/24", ["ip_version"] = 4 });
        var router = await Create("/routers", "router", new JsonObject
        {
            ["name"] = "dp-router", ["external_gateway_info"] = new JsonObject { ["network_id"] = Id(external) },
        });
        await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var groups = await Send(HttpMethod.Get, "/security-groups?name=default");
        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(groups!["security_groups"]![0]!), ["direction"] = "ingress", ["protocol"] = "icmp",
        });
        var vm = await Vm(port, "10.79.0.1");
        await Reconciler.ReconcileNowAsync(CancellationToken.None);

        Assert.That(Reaches(vm, "10.79.0.1"), Is.True, "the VM reaches its router");
        Assert.That(Reaches(vm, "203.0.113.1"), Is.True, "the VM reaches the external network's gateway (the host) through SNAT");

        var floating = await Create("/floatingips", "floatingip", new JsonObject { ["floating_network_id"] = Id(external), ["port_id"] = Id(port) });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        var address = floating["floating_ip_address"]!.GetValue<string>();
        Assert.That(Reaches(Host, address), Is.True, "the host reaches the VM through its floating IP");
        var nat = Host.Exec("ip", "netns", "exec", KernelNames.RouterNamespace(
            new NetworkSettings { RouterNamespacePrefix = NetworkNamespace.List().First(n => n.EndsWith(Id(router)[..8], StringComparison.Ordinal))[..^8] },
            Id(router)), "nft", "list", "table", "ip", LinuxDataPlane.NatTable);
        Assert.That(nat, Does.Contain($"dnat to {Address(port)}"));

        await Send(HttpMethod.Put, "/floatingips/" + Id(floating), new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = null } });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Pings(Host, address), Is.False, "a released floating IP no longer leads to the VM");
    }

    [Test]
    public async Task DeletingResourcesRemovesTheirKernelObjectsAndARebuildIsIdempotent()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "gone-net" });
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        await Reconciler.ReconcileNowAsync(CancellationToken.None); // a second pass over a built plane changes nothing and fails nothing
        using var host = RouteNetlink.Open(Host.Path);
        Assert.That(host.Find(KernelNames.Tap(Id(port)))?.Kind, Is.EqualTo("tun"), "an unplugged port gets a persistent tap for the VMM");
        await Send(HttpMethod.Delete, "/ports/" + Id(port));
        await Send(HttpMethod.Delete, "/networks/" + Id(network));
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(host.Find(KernelNames.Tap(Id(port))), Is.Null);
        Assert.That(host.Find(KernelNames.Bridge(Id(network))), Is.Null);
        Assert.That(host.Find(KernelNames.Vxlan(Id(network))), Is.Null);
    }
}
