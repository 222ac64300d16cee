using System.Text.Json.Nodes;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>
/// IPv6 end to end through the kernel: a "VM" configures its address itself (kernel SLAAC,
/// accept_ra=1) from the advertisements CloudBox's router sends, gets exactly the port's fixed IP,
/// reaches the router's gateway, and security groups judge IPv6 by their IPv6 rules.
/// </summary>
public sealed class Ipv6DataPathTests : DataPlaneFixture
{
    private async Task<(JsonObject Network, JsonObject Subnet)> RoutedSlaacNetwork(string name, string prefix)
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = name });
        var subnet = await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(network), ["cidr"] = prefix + "/64", ["ip_version"] = 6,
            ["ipv6_ra_mode"] = "slaac", ["ipv6_address_mode"] = "slaac", ["dns_nameservers"] = new JsonArray(prefix + "53"),
        });
        var router = await Create("/routers", "router", new JsonObject { ["name"] = name + "-router" });
        await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        return (network, subnet);
    }

    /// <summary>Waits for the VM's kernel to finish configuring <paramref name="address"/> (global scope, past duplicate address detection).</summary>
    private static bool Configures(ThrowawayNamespace vm, string address, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var shown = vm.Exec("ip", "-6", "addr", "show", "dev", "eth0", "scope", "global");
            if (shown.Contains(address + "/64", StringComparison.Ordinal) && !shown.Contains("tentative", StringComparison.Ordinal))
                return true;
            Thread.Sleep(200);
        }
        return false;
    }

    [Test]
    public async Task AVmConfiguresItsPortsAddressFromTheRoutersAdvertisementAndReachesTheGateway()
    {
        var (network, _) = await RoutedSlaacNetwork("v6-slaac", "fd00:7a::");
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var address = Address(port);
        Assert.That(address, Does.StartWith("fd00:7a::"));
        var vm = await Vm(port, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);

        Assert.That(Configures(vm, address, TimeSpan.FromSeconds(20)), Is.True,
            $"the VM configured {address} by SLAAC; it has: {vm.Exec("ip", "-6", "addr", "show", "dev", "eth0")}");
        Assert.That(vm.Exec("ip", "-6", "route", "show", "default"), Does.Contain("via fe80::"), "the advertisement made the router the default route");
        Assert.That(vm.Exec("ip", "-6", "route", "show", "fd00:7a::/64"), Does.Contain("eth0"), "the prefix is on-link (L flag)");
        Assert.That(Reaches(vm, "fd00:7a::1"), Is.True, "the VM reaches the router's IPv6 gateway");
    }

    [Test]
    public async Task ASecurityGroupJudgesIpv6ByItsIpv6Rules()
    {
        var (network, _) = await RoutedSlaacNetwork("v6-sg", "fd00:7b::");
        var a = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var b = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var vmA = await Vm(a, null, configureAddress: false);
        var vmB = await Vm(b, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Configures(vmA, Address(a), TimeSpan.FromSeconds(20)) && Configures(vmB, Address(b), TimeSpan.FromSeconds(20)), Is.True);
        Assert.That(Reaches(vmA, Address(b)), Is.True, "the default group admits its members over IPv6 too");

        var closed = await Create("/security-groups", "security_group", new JsonObject { ["name"] = "closed-v6" });
        await Send(HttpMethod.Put, "/ports/" + Id(b), new JsonObject { ["port"] = new JsonObject { ["security_groups"] = new JsonArray(Id(closed)) } });
        // An IPv4 rule says nothing about IPv6.
        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(closed), ["direction"] = "ingress", ["protocol"] = "icmp", ["ethertype"] = "IPv4",
        });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Pings(vmA, Address(b)), Is.False, "a group without IPv6 ingress rules blocks IPv6");
        Assert.That(Reaches(vmB, "fd00:7b::1"), Is.True, "neighbour discovery and egress still work for the closed port");

        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(closed), ["direction"] = "ingress", ["protocol"] = "ipv6-icmp", ["ethertype"] = "IPv6",
            ["remote_ip_prefix"] = "fd00:7b::/64",
        });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Reaches(vmA, Address(b)), Is.True, "an IPv6 ICMP ingress rule allows");
    }

    [Test]
    public async Task AVmCannotSendFromAnIpv6AddressThatIsNotItsOwn()
    {
        var (network, _) = await RoutedSlaacNetwork("v6-spoof", "fd00:7c::");
        var a = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var vm = await Vm(a, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Configures(vm, Address(a), TimeSpan.FromSeconds(20)), Is.True);
        Assert.That(Reaches(vm, "fd00:7c::1"), Is.True);
        vm.Exec("sysctl", "-qw", "net.ipv6.conf.eth0.accept_ra=0");
        vm.Exec("ip", "-6", "addr", "flush", "dev", "eth0", "scope", "global");
        vm.Exec("ip", "-6", "addr", "add", "fd00:7c::bad/64", "dev", "eth0", "nodad");
        Assert.That(ThrowawayNamespace.Try("ip", "netns", "exec", vm.Name, "busybox", "ping", "-c", "2", "-W", "1", "-I", "fd00:7c::bad", "fd00:7c::1"),
            Is.Not.EqualTo(0), "a forged IPv6 source address is dropped");
    }

    [Test]
    public async Task ARoutersExternalLegTakesAnIpv6AddressAndRoutesTheTenantPrefixSoTheHostReachesAVmsGlobalAddress()
    {
        var external = await Create("/networks", "network", new JsonObject
        {
            ["name"] = "v6-ext", ["router:external"] = true, ["provider:network_type"] = "flat", ["provider:physical_network"] = "external",
        });
        await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(external), ["cidr"] = "198.18.6.0/24", ["ip_version"] = 4, ["enable_dhcp"] = false,
        });
        var externalV6 = await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(external), ["cidr"] = "fd00:e6::/64", ["ip_version"] = 6, ["enable_dhcp"] = false,
        });
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "v6-routed" });
        var subnet = await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(network), ["cidr"] = "fd00:7d::/64", ["ip_version"] = 6, ["ipv6_ra_mode"] = "slaac", ["ipv6_address_mode"] = "slaac",
        });
        var router = await Create("/routers", "router", new JsonObject
        {
            ["name"] = "v6-edge", ["external_gateway_info"] = new JsonObject { ["network_id"] = Id(external) },
        });
        await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        var shown = (await Send(HttpMethod.Get, "/routers/" + Id(router)))!["router"]!;
        var externalIps = shown["external_gateway_info"]!["external_fixed_ips"]!.AsArray().Select(ip => ip!["ip_address"]!.GetValue<string>()).ToList();
        Assert.That(externalIps, Has.Some.StartsWith("198.18.6.").And.Some.StartsWith("fd00:e6::"), "external_fixed_ips shows both families");
        var routerExternalV6 = externalIps.Single(ip => ip.Contains(':'));
        Assert.That(shown["external_gateway_info"]!["external_fixed_ips"]!.AsArray()
            .Single(ip => ip!["ip_address"]!.GetValue<string>() == routerExternalV6)!["subnet_id"]!.GetValue<string>(), Is.EqualTo(Id(externalV6)));

        var groups = await Send(HttpMethod.Get, "/security-groups?name=default");
        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(groups!["security_groups"]![0]!), ["direction"] = "ingress", ["protocol"] = "ipv6-icmp", ["ethertype"] = "IPv6",
        });
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var vm = await Vm(port, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Configures(vm, Address(port), TimeSpan.FromSeconds(20)), Is.True);

        Assert.That(Host.Exec("ip", "-6", "route", "show", "fd00:7d::/64"), Does.Contain("via " + routerExternalV6),
            "the host routes the tenant prefix via the router's external address");
        Assert.That(Reaches(Host, Address(port)), Is.True, "the host reaches the VM's global address, untranslated");
        var routerNamespace = CloudBox.Linux.Netlink.NetworkNamespace.List().Single(n => n.EndsWith("-" + Id(router)[..8], StringComparison.Ordinal));
        Assert.That(Host.Exec("ip", "netns", "exec", routerNamespace, "ip", "-6", "route", "show", "default"), Does.Contain("via fd00:e6::1"),
            "the router's IPv6 default route is the external subnet's gateway");
        Assert.That(Reaches(vm, "fd00:e6::1"), Is.True, "the VM reaches the external subnet's gateway through its router");

        await Send(HttpMethod.Put, $"/routers/{Id(router)}/remove_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Host.Exec("ip", "-6", "route", "show", "fd00:7d::/64"), Is.Empty, "the route goes with the router's interface");
    }
}
