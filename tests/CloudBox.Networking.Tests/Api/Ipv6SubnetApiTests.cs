using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Tests.Api;

/// <summary>IPv6 subnets as Neutron has them: SLAAC modes, EUI-64 fixed IPs computed from the port's MAC, and the refusals.</summary>
public sealed class Ipv6SubnetApiTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    private async Task<(JsonObject Network, JsonObject Subnet)> SlaacNetwork(string cidr, JsonObject? extra = null)
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("v6") });
        var attributes = new JsonObject
        {
            ["network_id"] = Id(network), ["cidr"] = cidr, ["ip_version"] = 6, ["ipv6_ra_mode"] = "slaac", ["ipv6_address_mode"] = "slaac",
        };
        foreach (var (key, value) in extra ?? [])
            attributes[key] = value?.DeepClone();
        return (network, await Create("/subnets", "subnet", attributes));
    }

    /// <summary>The modified EUI-64 address, written out independently of the product's code.</summary>
    private static string Eui64(string prefix, string mac)
    {
        var b = mac.Split(':').Select(p => Convert.ToByte(p, 16)).ToArray();
        var id = $"{(b[0] ^ 2) << 8 | b[1]:x}:{b[2]:x2}ff:fe{b[3]:x2}:{b[4] << 8 | b[5]:x}";
        return System.Net.IPAddress.Parse(prefix + id).ToString();
    }

    [Test]
    public async Task ASlaacSubnetHasItsModesGatewayAndPool()
    {
        var (_, subnet) = await SlaacNetwork("fd00:10::/64", new JsonObject { ["dns_nameservers"] = new JsonArray("fd00:10::53") });
        Assert.Multiple(() =>
        {
            Assert.That(subnet["ip_version"]!.GetValue<int>(), Is.EqualTo(6));
            Assert.That(subnet["cidr"]!.GetValue<string>(), Is.EqualTo("fd00:10::/64"));
            Assert.That(subnet["gateway_ip"]!.GetValue<string>(), Is.EqualTo("fd00:10::1"));
            Assert.That(subnet["allocation_pools"]!.ToJsonString(), Is.EqualTo("""[{"start":"fd00:10::2","end":"fd00:10::ffff:ffff:ffff:ffff"}]"""));
            Assert.That(subnet["ipv6_ra_mode"]!.GetValue<string>(), Is.EqualTo("slaac"));
            Assert.That(subnet["ipv6_address_mode"]!.GetValue<string>(), Is.EqualTo("slaac"));
            Assert.That(subnet["dns_nameservers"]!.ToJsonString(), Is.EqualTo("""["fd00:10::53"]"""));
        });
    }

    [Test]
    public async Task PortsGetTheEui64AddressOfTheirMacBesideTheirIpv4Address()
    {
        var (network, v6) = await SlaacNetwork("fd00:11::/64");
        var v4 = await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.111.0.0/24", ["ip_version"] = 4 });
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["mac_address"] = "fa:16:3e:12:34:56" });
        var fixedIps = port["fixed_ips"]!.AsArray().ToDictionary(f => f!["subnet_id"]!.GetValue<string>(), f => f!["ip_address"]!.GetValue<string>());
        Assert.That(fixedIps[Id(v6)], Is.EqualTo("fd00:11::f816:3eff:fe12:3456"));
        Assert.That(fixedIps[Id(v6)], Is.EqualTo(Eui64("fd00:11::", "fa:16:3e:12:34:56")));
        Assert.That(fixedIps[Id(v4)], Is.EqualTo("10.111.0.2"));

        // Naming only the IPv4 subnet still gives the SLAAC address (the guest configures it anyway).
        var named = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network), ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(v4) }),
        });
        Assert.That(named["fixed_ips"]!.AsArray().Select(f => f!["ip_address"]!.GetValue<string>()),
            Does.Contain(Eui64("fd00:11::", named["mac_address"]!.GetValue<string>())));
    }

    [Test]
    public async Task AnAddressOfYourChoiceOnASlaacSubnetIsRefused()
    {
        var (network, subnet) = await SlaacNetwork("fd00:12::/64");
        AssertFault(await Send(HttpMethod.Post, "/ports", new JsonObject
        {
            ["port"] = new JsonObject
            {
                ["network_id"] = Id(network),
                ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(subnet), ["ip_address"] = "fd00:12::99" }),
            },
        }), 400, "InvalidInput");
    }

    [Test]
    public async Task ARouterInterfaceHoldsTheGatewayAddress()
    {
        var (_, subnet) = await SlaacNetwork("fd00:13::/64");
        var router = await Create("/routers", "router", new JsonObject { ["name"] = Unique("r") });
        var (status, info, _) = await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        Assert.That((int)status, Is.EqualTo(200), info?.ToJsonString());
        var (_, port, _) = await Send(HttpMethod.Get, "/ports/" + info!["port_id"]!.GetValue<string>());
        Assert.That(port!["port"]!["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo("fd00:13::1"));
    }

    [Test]
    public async Task AStaticIpv6SubnetHandsOutPoolAddresses()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("v6s") });
        var subnet = await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "fd00:14::/120", ["ip_version"] = 6 });
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        Assert.That(port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo("fd00:14::2"));
        Assert.That(subnet["ipv6_address_mode"], Is.Null);
    }

    [TestCase("dhcpv6-stateful", "slaac", "fd00:20::/64", true)]
    [TestCase("slaac", "dhcpv6-stateless", "fd00:21::/64", true)]
    [TestCase(null, "dhcpv6-stateful", "fd00:25::/64", false)]
    [TestCase("slaac", "slaac", "fd00:22::/80", true)]
    [TestCase("slaac", "slaac", "fd00:23::/64", false)]
    [TestCase("bogus", null, "fd00:24::/64", true)]
    public async Task ModesNeutronForbidsAreInvalidInput(string? ra, string? address, string cidr, bool dhcp)
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("n") });
        var result = await Send(HttpMethod.Post, "/subnets", new JsonObject
        {
            ["subnet"] = new JsonObject
            {
                ["network_id"] = Id(network), ["cidr"] = cidr, ["ip_version"] = 6, ["ipv6_ra_mode"] = ra, ["ipv6_address_mode"] = address,
                ["enable_dhcp"] = dhcp,
            },
        });
        AssertFault(result, 400, "InvalidInput");
        if (ra is not null && address is not null && ra != address)
            Assert.That(result.Body!["NeutronError"]!["message"]!.GetValue<string>(), Does.Contain("they must be the same value"));
    }

    [TestCase("dhcpv6-stateful", "dhcpv6-stateful")]
    [TestCase(null, "dhcpv6-stateful")]
    [TestCase("dhcpv6-stateful", null)]
    public async Task AStatefulDhcpv6SubnetHandsOutPoolAddressesOnAnyPrefixLength(string? ra, string? address)
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("v6d") });
        var subnet = await Create("/subnets", "subnet", new JsonObject
        {
            ["network_id"] = Id(network), ["cidr"] = "fd00:15::/120", ["ip_version"] = 6, ["ipv6_ra_mode"] = ra, ["ipv6_address_mode"] = address,
        });
        Assert.That(subnet["ipv6_ra_mode"]?.GetValue<string>(), Is.EqualTo(ra));
        Assert.That(subnet["ipv6_address_mode"]?.GetValue<string>(), Is.EqualTo(address));
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        Assert.That(port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo("fd00:15::2"), "the first pool address, not an EUI-64 one");
    }

    [Test]
    public async Task Ipv6ModesOnAnIpv4SubnetAreInvalidInput()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("n") });
        AssertFault(await Send(HttpMethod.Post, "/subnets", new JsonObject
        {
            ["subnet"] = new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.112.0.0/24", ["ip_version"] = 4, ["ipv6_ra_mode"] = "slaac" },
        }), 400, "InvalidInput");
    }

    [Test]
    public async Task OverlappingIpv6SubnetsAreRefusedButIpv4AndIpv6Coexist()
    {
        var (network, _) = await SlaacNetwork("fd00:30::/64");
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.113.0.0/24", ["ip_version"] = 4 });
        AssertFault(await Send(HttpMethod.Post, "/subnets", new JsonObject
        {
            ["subnet"] = new JsonObject { ["network_id"] = Id(network), ["cidr"] = "fd00:30::/48", ["ip_version"] = 6 },
        }), 400, "InvalidInput");
    }
}
