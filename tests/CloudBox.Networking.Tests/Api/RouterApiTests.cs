using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Tests.Api;

/// <summary>Routers, their interfaces and gateways, and floating IPs through them.</summary>
public sealed class RouterApiTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    private async Task<(JsonObject Network, JsonObject Subnet)> ExternalNetwork(string cidr)
    {
        var network = await Create("/networks", "network", new JsonObject
        {
            ["name"] = Unique("ext"), ["router:external"] = true, ["provider:network_type"] = "local",
        });
        var subnet = await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = cidr, ["ip_version"] = 4, ["enable_dhcp"] = false });
        return (network, subnet);
    }

    [Test]
    public async Task RouterJoinsASubnetToAnExternalNetworkAndCarriesAFloatingIp()
    {
        var (external, _) = await ExternalNetwork("198.51.100.0/24");
        var (network, subnet) = await NetworkWithSubnet("10.40.0.0/24");
        var router = await Create("/routers", "router", new JsonObject
        {
            ["name"] = Unique("r"), ["external_gateway_info"] = new JsonObject { ["network_id"] = Id(external) },
        });
        var gateway = router["external_gateway_info"]!;
        Assert.That(gateway["enable_snat"]!.GetValue<bool>(), Is.True);
        Assert.That(gateway["external_fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo("198.51.100.2"));

        var (status, added, _) = await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), added?.ToJsonString());
        var (_, interfacePort, _) = await Send(HttpMethod.Get, "/ports/" + added!["port_id"]!.GetValue<string>());
        Assert.That(interfacePort!["port"]!["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo("10.40.0.1"));
        Assert.That(interfacePort["port"]!["device_owner"]!.GetValue<string>(), Is.EqualTo("network:router_interface"));
        AssertFault(await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) }),
            400, "BadRequest");

        var vm = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var floating = await Create("/floatingips", "floatingip", new JsonObject { ["floating_network_id"] = Id(external), ["port_id"] = Id(vm) });
        Assert.Multiple(() =>
        {
            Assert.That(floating["router_id"]!.GetValue<string>(), Is.EqualTo(Id(router)));
            Assert.That(floating["fixed_ip_address"]!.GetValue<string>(), Is.EqualTo(vm["fixed_ips"]![0]!["ip_address"]!.GetValue<string>()));
            Assert.That(floating["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"));
        });

        AssertFault(await Send(HttpMethod.Delete, "/routers/" + Id(router)), 409, "RouterInUse");
        AssertFault(await Send(HttpMethod.Put, $"/routers/{Id(router)}/remove_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) }),
            409, "RouterInterfaceInUseByFloatingIP");
        Assert.That((await Send(HttpMethod.Put, "/floatingips/" + Id(floating), new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = null } })).Status,
            Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Put, $"/routers/{Id(router)}/remove_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) })).Status,
            Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Delete, "/routers/" + Id(router))).Status, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task FloatingIpNeedsARouterToThePort()
    {
        var (external, _) = await ExternalNetwork("198.51.101.0/24");
        var (network, _) = await NetworkWithSubnet("10.41.0.0/24");
        var vm = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        AssertFault(await Send(HttpMethod.Post, "/floatingips", new JsonObject
        {
            ["floatingip"] = new JsonObject { ["floating_network_id"] = Id(external), ["port_id"] = Id(vm) },
        }), 404, "ExternalGatewayForFloatingIPNotFound");
        AssertFault(await Send(HttpMethod.Post, "/floatingips", new JsonObject
        {
            ["floatingip"] = new JsonObject { ["floating_network_id"] = Id(network) },
        }), 400, "BadRequest");
    }

    [Test]
    public async Task RoutesMustGoThroughAConnectedSubnet()
    {
        var (_, subnet) = await NetworkWithSubnet("10.42.0.0/24");
        var router = await Create("/routers", "router", new JsonObject { ["name"] = Unique("r") });
        await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        AssertFault(await Send(HttpMethod.Put, "/routers/" + Id(router), new JsonObject
        {
            ["router"] = new JsonObject { ["routes"] = new JsonArray(new JsonObject { ["destination"] = "172.16.0.0/16", ["nexthop"] = "10.99.0.1" }) },
        }), 400, "InvalidRoutes");
        var (status, body, _) = await Send(HttpMethod.Put, "/routers/" + Id(router), new JsonObject
        {
            ["router"] = new JsonObject { ["routes"] = new JsonArray(new JsonObject { ["destination"] = "172.16.0.0/16", ["nexthop"] = "10.42.0.9" }) },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["router"]!["routes"]![0]!["nexthop"]!.GetValue<string>(), Is.EqualTo("10.42.0.9"));
    }

    [Test]
    public async Task GatewayMustBeAnExternalNetwork()
    {
        var (network, _) = await NetworkWithSubnet("10.43.0.0/24");
        AssertFault(await Send(HttpMethod.Post, "/routers", new JsonObject
        {
            ["router"] = new JsonObject { ["external_gateway_info"] = new JsonObject { ["network_id"] = Id(network) } },
        }), 400, "BadRequest");
    }
}
