using System.Text.Json.Nodes;
using CloudBox.Linux.Netlink;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>A router's namespace follows changes to its routes and its legs' addresses: nothing stale stays behind.</summary>
public sealed class RouterNamespaceTests : DataPlaneFixture
{
    private string RouterNamespace(JsonNode router) => NetworkNamespace.List().Single(n => n.EndsWith("-" + Id(router)[..8], StringComparison.Ordinal));

    private string InRouter(JsonNode router, params string[] command) => Host.Exec("ip", ["netns", "exec", RouterNamespace(router), .. command]);

    [Test]
    public async Task RemovedRoutesAndChangedAddressesLeaveTheRoutersNamespace()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "stale-net" });
        var subnet = await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.94.0.0/24", ["ip_version"] = 4 });
        var router = await Create("/routers", "router", new JsonObject { ["name"] = "stale-router" });
        var attached = await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        await Send(HttpMethod.Put, $"/routers/{Id(router)}", new JsonObject
        {
            ["router"] = new JsonObject
            {
                ["routes"] = new JsonArray(
                    new JsonObject { ["destination"] = "172.31.0.0/16", ["nexthop"] = "10.94.0.254" },
                    new JsonObject { ["destination"] = "172.30.5.0/24", ["nexthop"] = "10.94.0.253" }),
            },
        });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(InRouter(router, "ip", "route"), Does.Contain("172.31.0.0/16 via 10.94.0.254").And.Contain("172.30.5.0/24 via 10.94.0.253"));
        Assert.That(InRouter(router, "ip", "-4", "-o", "addr"), Does.Contain("10.94.0.1/24"));

        // One route changes its next hop, one goes; the leg's port moves to another address of the subnet.
        await Send(HttpMethod.Put, $"/routers/{Id(router)}", new JsonObject
        {
            ["router"] = new JsonObject
            {
                ["routes"] = new JsonArray(new JsonObject { ["destination"] = "172.31.0.0/16", ["nexthop"] = "10.94.0.252" }),
            },
        });
        await Send(HttpMethod.Put, $"/ports/{attached!["port_id"]!.GetValue<string>()}", new JsonObject
        {
            ["port"] = new JsonObject { ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(subnet), ["ip_address"] = "10.94.0.9" }) },
        });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        var routes = InRouter(router, "ip", "route");
        var addresses = InRouter(router, "ip", "-4", "-o", "addr");
        Assert.Multiple(() =>
        {
            Assert.That(routes, Does.Contain("172.31.0.0/16 via 10.94.0.252"));
            Assert.That(routes, Does.Not.Contain("172.30.5.0/24"), "a removed route");
            Assert.That(addresses, Does.Contain("10.94.0.9/24"));
            Assert.That(addresses, Does.Not.Contain("10.94.0.1/"), "the leg's old address");
        });

        await Send(HttpMethod.Put, $"/routers/{Id(router)}", new JsonObject { ["router"] = new JsonObject { ["routes"] = new JsonArray() } });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(InRouter(router, "ip", "route"), Does.Not.Contain("172.31.0.0/16"), "routes cleared");
        Assert.That(InRouter(router, "ip", "route"), Does.Contain("10.94.0.0/24 dev qr-"), "the connected subnet's own route stays");
    }
}
