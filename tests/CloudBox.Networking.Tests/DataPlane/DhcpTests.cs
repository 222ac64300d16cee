using System.Text.Json.Nodes;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>CloudBox's own DHCP server, with busybox udhcpc in namespaces standing in for VMs.</summary>
public sealed class DhcpTests : DataPlaneFixture
{
    private string _leases = "";

    [SetUp]
    public void FindClient()
    {
        if (ThrowawayNamespace.Try("busybox", "udhcpc", "--help") == 127)
            Assert.Ignore("busybox (package busybox-static) is needed for the DHCP client");
        _leases = Directory.CreateTempSubdirectory("cloudbox-dhcp-").FullName;
    }

    [TearDown]
    public void RemoveLeases() => Directory.Delete(_leases, recursive: true);

    /// <summary>Runs udhcpc once in <paramref name="vm"/>; its script applies the lease and records what it was told.</summary>
    private Dictionary<string, string> Lease(ThrowawayNamespace vm)
    {
        var script = Path.Combine(_leases, "script.sh");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            case "$1" in
              bound|renew)
                busybox ifconfig "$interface" "$ip" netmask "$subnet" up
                [ -n "$router" ] && busybox route add default gw "$router"
                printf 'ip=%s\nsubnet=%s\nrouter=%s\nmtu=%s\nhostname=%s\ndns=%s\nstaticroutes=%s\n' \
                  "$ip" "$subnet" "$router" "$mtu" "$hostname" "$dns" "$staticroutes" > "{{_leases}}/$interface-$ip"
                ;;
            esac
            exit 0
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var old in Directory.GetFiles(_leases, "eth0-*"))
            File.Delete(old);
        vm.Exec("busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", script);
        var file = Directory.GetFiles(_leases, "eth0-*").Single();
        return File.ReadAllLines(file).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    [Test]
    public async Task TwoVmsGetTheirPortsAddressesByDhcpReachEachOtherAndOneIsReachedThroughItsFloatingIp()
    {
        var external = await Create("/networks", "network", new JsonObject
        {
            ["name"] = "dhcp-ext", ["router:external"] = true, ["provider:network_type"] = "flat", ["provider:physical_network"] = "external",
        });
        await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(external), ["cidr"] = "198.18.0.0/24", ["ip_version"] = 4, ["enable_dhcp"] = false,
        });
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "dhcp-net" });
        var subnet = await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(network), ["cidr"] = "10.88.0.0/24", ["ip_version"] = 4,
            ["dns_nameservers"] = new JsonArray("10.88.0.53"),
            ["host_routes"] = new JsonArray(new JsonObject { ["destination"] = "172.20.0.0/16", ["nexthop"] = "10.88.0.254" }),
        });
        var router = await Create("/routers", "router", new JsonObject
        {
            ["name"] = "dhcp-router", ["external_gateway_info"] = new JsonObject { ["network_id"] = Id(external) },
        });
        await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        var groups = await Send(HttpMethod.Get, "/security-groups?name=default");
        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(groups!["security_groups"]![0]!), ["direction"] = "ingress", ["protocol"] = "icmp",
        });
        var a = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var b = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var vmA = await Vm(a, null, configureAddress: false);
        var vmB = await Vm(b, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);

        var leaseA = Lease(vmA);
        var leaseB = Lease(vmB);
        Assert.Multiple(() =>
        {
            Assert.That(leaseA["ip"], Is.EqualTo(Address(a)), "the lease is the port's fixed IP");
            Assert.That(leaseB["ip"], Is.EqualTo(Address(b)));
            Assert.That(leaseA["subnet"], Is.EqualTo("255.255.255.0"));
            Assert.That(leaseA["router"], Is.EqualTo("10.88.0.1"));
            Assert.That(leaseA["dns"], Is.EqualTo("10.88.0.53"));
            Assert.That(leaseA["mtu"], Is.EqualTo("1450"));
            Assert.That(leaseA["hostname"], Is.EqualTo("host-" + Address(a).Replace('.', '-')));
            Assert.That(leaseA["staticroutes"], Does.Contain("172.20.0.0/16 10.88.0.254").And.Contain("0.0.0.0/0 10.88.0.1"));
        });
        Assert.That(Reaches(vmA, Address(b)), Is.True, "the two VMs reach each other");

        var floating = await Create("/floatingips", "floatingip", new JsonObject { ["floating_network_id"] = Id(external), ["port_id"] = Id(a) });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Reaches(Host, floating["floating_ip_address"]!.GetValue<string>()), Is.True, "the host reaches a VM through its floating IP");
    }

    [Test]
    public async Task UnknownMacsGetNoAnswer()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "dhcp-quiet" });
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.89.0.0/24", ["ip_version"] = 4 });
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["port_security_enabled"] = false });
        var vm = await Vm(port, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        vm.Exec("ip", "link", "set", "eth0", "address", "fa:16:3e:de:ad:01");
        Assert.That(ThrowawayNamespace.Try("ip", "netns", "exec", vm.Name, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "2", "-T", "1",
            "-s", "/bin/true"), Is.Not.EqualTo(0));
    }
}
