using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Tests.Api;

/// <summary>Subnet validation with Neutron's errors, and the defaults clients rely on.</summary>
public sealed class SubnetApiTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    [Test]
    public async Task DefaultsAreGatewayAtOneAndThePoolAfterIt()
    {
        var (_, subnet) = await NetworkWithSubnet("10.10.0.0/24");
        Assert.Multiple(() =>
        {
            Assert.That(subnet["gateway_ip"]!.GetValue<string>(), Is.EqualTo("10.10.0.1"));
            Assert.That(subnet["allocation_pools"]!.ToJsonString(), Is.EqualTo("""[{"start":"10.10.0.2","end":"10.10.0.254"}]"""));
            Assert.That(subnet["enable_dhcp"]!.GetValue<bool>(), Is.True);
            Assert.That(subnet["ip_version"]!.GetValue<int>(), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task SubnetAppearsOnItsNetwork()
    {
        var (network, subnet) = await NetworkWithSubnet("10.11.0.0/24");
        var (_, body, _) = await Send(HttpMethod.Get, "/networks/" + Id(network));
        Assert.That(body!["network"]!["subnets"]!.AsArray().Select(s => s!.GetValue<string>()), Is.EqualTo(new[] { Id(subnet) }));
    }

    [TestCase("10.0.0.300/24")]
    [TestCase("10.0.0.0/33")]
    [TestCase("not-a-cidr")]
    [TestCase("10.0.0.5/24")]
    public async Task InvalidCidrIsInvalidInput(string cidr)
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("n") });
        AssertFault(await Send(HttpMethod.Post, "/subnets", new JsonObject
        {
            ["subnet"] = new JsonObject { ["network_id"] = Id(network), ["cidr"] = cidr, ["ip_version"] = 4 },
        }), 400, "InvalidInput");
    }

    [Test]
    public async Task OverlappingSubnetOnTheSameNetworkIsRefused()
    {
        var (network, _) = await NetworkWithSubnet("10.12.0.0/16");
        AssertFault(await Send(HttpMethod.Post, "/subnets", new JsonObject
        {
            ["subnet"] = new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.12.5.0/24", ["ip_version"] = 4 },
        }), 400, "InvalidInput");
    }

    [Test]
    public async Task GatewayInsideThePoolIsAConflict()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("n") });
        AssertFault(await Send(HttpMethod.Post, "/subnets", new JsonObject
        {
            ["subnet"] = new JsonObject
            {
                ["network_id"] = Id(network), ["cidr"] = "10.13.0.0/24", ["ip_version"] = 4, ["gateway_ip"] = "10.13.0.20",
                ["allocation_pools"] = new JsonArray(new JsonObject { ["start"] = "10.13.0.10", ["end"] = "10.13.0.30" }),
            },
        }), 409, "GatewayConflictWithAllocationPools");
    }

    [Test]
    public async Task PoolOutsideTheCidrIsRefused()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("n") });
        AssertFault(await Send(HttpMethod.Post, "/subnets", new JsonObject
        {
            ["subnet"] = new JsonObject
            {
                ["network_id"] = Id(network), ["cidr"] = "10.14.0.0/24", ["ip_version"] = 4,
                ["allocation_pools"] = new JsonArray(new JsonObject { ["start"] = "10.14.0.10", ["end"] = "10.14.1.30" }),
            },
        }), 400, "OutOfBoundsAllocationPool");
    }

    [Test]
    public async Task GatewayInTheMiddleSplitsTheDefaultPool()
    {
        var (_, subnet) = await NetworkWithSubnet("10.15.0.0/28", subnetExtra: new JsonObject { ["gateway_ip"] = "10.15.0.7" });
        Assert.That(subnet["allocation_pools"]!.ToJsonString(),
            Is.EqualTo("""[{"start":"10.15.0.1","end":"10.15.0.6"},{"start":"10.15.0.8","end":"10.15.0.14"}]"""));
    }

    [Test]
    public async Task DnsServersAndHostRoutesAreKeptAndUpdatable()
    {
        var (_, subnet) = await NetworkWithSubnet("10.16.0.0/24", subnetExtra: new JsonObject
        {
            ["dns_nameservers"] = new JsonArray("10.16.0.53"),
            ["host_routes"] = new JsonArray(new JsonObject { ["destination"] = "192.168.0.0/16", ["nexthop"] = "10.16.0.254" }),
        });
        Assert.That(subnet["dns_nameservers"]!.ToJsonString(), Is.EqualTo("""["10.16.0.53"]"""));
        Assert.That(subnet["host_routes"]![0]!["destination"]!.GetValue<string>(), Is.EqualTo("192.168.0.0/16"));
        var (status, body, _) = await Send(HttpMethod.Put, "/subnets/" + Id(subnet), new JsonObject
        {
            ["subnet"] = new JsonObject { ["dns_nameservers"] = new JsonArray("1.1.1.1", "8.8.8.8") },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["subnet"]!["dns_nameservers"]!.ToJsonString(), Is.EqualTo("""["1.1.1.1","8.8.8.8"]"""));
    }

    [Test]
    public async Task SubnetWithAllocatedAddressesCannotBeDeleted()
    {
        var (network, subnet) = await NetworkWithSubnet("10.17.0.0/24");
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        AssertFault(await Send(HttpMethod.Delete, "/subnets/" + Id(subnet)), 409, "SubnetInUse");
        await Send(HttpMethod.Delete, "/ports/" + Id(port));
        Assert.That((await Send(HttpMethod.Delete, "/subnets/" + Id(subnet))).Status, Is.EqualTo(HttpStatusCode.NoContent));
    }
}
