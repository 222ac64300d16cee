using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Tests.Api;

/// <summary>Ports: fixed IPs, MACs, security groups and address pairs, and allocation under concurrency.</summary>
public sealed class PortApiTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    [Test]
    public async Task PortGetsTheFirstFreeAddressAMacAndTheDefaultGroup()
    {
        var (network, subnet) = await NetworkWithSubnet("10.20.0.0/24");
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        Assert.Multiple(() =>
        {
            Assert.That(port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo("10.20.0.2"));
            Assert.That(port["fixed_ips"]![0]!["subnet_id"]!.GetValue<string>(), Is.EqualTo(Id(subnet)));
            Assert.That(port["mac_address"]!.GetValue<string>(), Does.Match("^fa:16:3e(:[0-9a-f]{2}){3}$"));
            Assert.That(port["security_groups"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(port["binding:vif_type"]!.GetValue<string>(), Is.EqualTo("unbound"));
            Assert.That(port["status"]!.GetValue<string>(), Is.EqualTo("DOWN"));
        });
    }

    [Test]
    public async Task RequestedAddressIsHonouredAndThenTaken()
    {
        var (network, subnet) = await NetworkWithSubnet("10.21.0.0/24");
        var fixedIp = new JsonObject { ["subnet_id"] = Id(subnet), ["ip_address"] = "10.21.0.77" };
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["fixed_ips"] = new JsonArray(fixedIp.DeepClone()) });
        Assert.That(port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo("10.21.0.77"));
        AssertFault(await Send(HttpMethod.Post, "/ports", new JsonObject
        {
            ["port"] = new JsonObject { ["network_id"] = Id(network), ["fixed_ips"] = new JsonArray(fixedIp.DeepClone()) },
        }), 409, "IpAddressAlreadyAllocated");
    }

    [Test]
    public async Task AddressOutsideTheSubnetIsRefused()
    {
        var (network, subnet) = await NetworkWithSubnet("10.22.0.0/24");
        AssertFault(await Send(HttpMethod.Post, "/ports", new JsonObject
        {
            ["port"] = new JsonObject
            {
                ["network_id"] = Id(network),
                ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(subnet), ["ip_address"] = "10.99.0.5" }),
            },
        }), 400, "InvalidIpForSubnet");
        AssertFault(await Send(HttpMethod.Post, "/ports", new JsonObject
        {
            ["port"] = new JsonObject { ["network_id"] = Id(network), ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.99.0.5" }) },
        }), 400, "InvalidIpForNetwork");
    }

    [Test]
    public async Task ExhaustedSubnetIsIpAddressGenerationFailure()
    {
        var (network, _) = await NetworkWithSubnet("10.23.0.0/30");
        await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) }); // .2 is the only free address
        AssertFault(await Send(HttpMethod.Post, "/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = Id(network) } }),
            409, "IpAddressGenerationFailure");
    }

    [Test]
    public async Task ConcurrentCreatesGetDistinctAddressesAndMacs()
    {
        var (network, _) = await NetworkWithSubnet("10.24.0.0/24");
        var creates = Enumerable.Range(0, 24).Select(_ => Send(HttpMethod.Post, "/ports",
            new JsonObject { ["port"] = new JsonObject { ["network_id"] = Id(network) } }));
        var results = await Task.WhenAll(creates);
        Assert.That(results.Select(r => r.Status), Is.All.EqualTo(HttpStatusCode.Created));
        var addresses = results.Select(r => r.Body!["port"]!["fixed_ips"]![0]!["ip_address"]!.GetValue<string>()).ToList();
        var macs = results.Select(r => r.Body!["port"]!["mac_address"]!.GetValue<string>()).ToList();
        Assert.That(addresses, Is.Unique);
        Assert.That(macs, Is.Unique);
        Assert.That(addresses, Is.EquivalentTo(Enumerable.Range(2, 24).Select(i => $"10.24.0.{i}")));
    }

    [Test]
    public async Task ConcurrentRequestsForOneAddressHaveOneWinner()
    {
        var (network, subnet) = await NetworkWithSubnet("10.25.0.0/24");
        var creates = Enumerable.Range(0, 8).Select(_ => Send(HttpMethod.Post, "/ports", new JsonObject
        {
            ["port"] = new JsonObject
            {
                ["network_id"] = Id(network),
                ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(subnet), ["ip_address"] = "10.25.0.9" }),
            },
        }));
        var results = await Task.WhenAll(creates);
        Assert.That(results.Count(r => r.Status == HttpStatusCode.Created), Is.EqualTo(1));
        Assert.That(results.Count(r => r.Status == HttpStatusCode.Conflict), Is.EqualTo(7));
    }

    [Test]
    public async Task RequestedMacMustBeFreeOnTheNetwork()
    {
        var (network, _) = await NetworkWithSubnet("10.26.0.0/24");
        await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["mac_address"] = "fa:16:3e:00:00:01" });
        AssertFault(await Send(HttpMethod.Post, "/ports", new JsonObject
        {
            ["port"] = new JsonObject { ["network_id"] = Id(network), ["mac_address"] = "FA:16:3E:00:00:01" },
        }), 409, "MacAddressInUse");
    }

    [Test]
    public async Task DisablingPortSecurityNeedsNoGroupsOrPairs()
    {
        var (network, _) = await NetworkWithSubnet("10.27.0.0/24");
        var port = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network),
            ["allowed_address_pairs"] = new JsonArray(new JsonObject { ["ip_address"] = "10.27.0.200" }),
        });
        Assert.That(port["allowed_address_pairs"]![0]!["mac_address"]!.GetValue<string>(), Is.EqualTo(port["mac_address"]!.GetValue<string>()));
        AssertFault(await Send(HttpMethod.Put, "/ports/" + Id(port), new JsonObject
        {
            ["port"] = new JsonObject { ["port_security_enabled"] = false, ["allowed_address_pairs"] = new JsonArray() },
        }), 409, "PortSecurityAndIPRequiredForSecurityGroups");
        var (status, body, _) = await Send(HttpMethod.Put, "/ports/" + Id(port), new JsonObject
        {
            ["port"] = new JsonObject { ["port_security_enabled"] = false, ["allowed_address_pairs"] = new JsonArray(), ["security_groups"] = new JsonArray() },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That(body!["port"]!["port_security_enabled"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task BindingAHostMakesThePortATap()
    {
        var (network, _) = await NetworkWithSubnet("10.28.0.0/24");
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["binding:host_id"] = "node1", ["device_id"] = "vm-1" });
        Assert.That(port["binding:vif_type"]!.GetValue<string>(), Is.EqualTo("tap"));
        Assert.That(port["binding:vif_details"]!["tap_name"]!.GetValue<string>(), Is.EqualTo("tap" + Id(port)[..11]));
        Assert.That(port["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"));
    }

    [Test]
    public async Task FixedIpsCanBeChangedOnUpdate()
    {
        var (network, subnet) = await NetworkWithSubnet("10.29.0.0/24");
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var (status, body, _) = await Send(HttpMethod.Put, "/ports/" + Id(port), new JsonObject
        {
            ["port"] = new JsonObject { ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(subnet), ["ip_address"] = "10.29.0.50" }) },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        // The old address is free again.
        var other = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        Assert.That(other["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo(port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>()));
    }
}
