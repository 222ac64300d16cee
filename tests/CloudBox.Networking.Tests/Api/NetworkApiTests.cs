using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Tests.Api;

/// <summary>Networks, version discovery and the list semantics every collection shares.</summary>
public sealed class NetworkApiTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    [Test]
    public async Task VersionDiscoveryAnswersWithoutAToken()
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/network", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["versions"]![0]!["id"]!.GetValue<string>(), Is.EqualTo("v2.0"));
        var (_, resources, _) = await Cloud.SendAsync(HttpMethod.Get, "/network/v2.0/", null);
        Assert.That(resources!["resources"]!.AsArray().Select(r => r!["collection"]!.GetValue<string>()), Is.SupersetOf(new[] { "networks", "subnets", "ports" }));
    }

    [Test]
    public async Task ExtensionsListTheOnesClientsProbe()
    {
        var (_, body, _) = await Send(HttpMethod.Get, "/extensions");
        var aliases = body!["extensions"]!.AsArray().Select(e => e!["alias"]!.GetValue<string>());
        Assert.That(aliases, Is.SupersetOf(new[] { "external-net", "router", "security-group", "quotas", "provider", "port-security" }));
    }

    [Test]
    public async Task CreatedNetworkHasNeutronsAttributes()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "plain" });
        Assert.Multiple(() =>
        {
            Assert.That(network["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"));
            Assert.That(network["admin_state_up"]!.GetValue<bool>(), Is.True);
            Assert.That(network["shared"]!.GetValue<bool>(), Is.False);
            Assert.That(network["router:external"]!.GetValue<bool>(), Is.False);
            Assert.That(network["provider:network_type"]!.GetValue<string>(), Is.EqualTo("vxlan"));
            Assert.That(network["provider:segmentation_id"]!.GetValue<int>(), Is.GreaterThan(0));
            Assert.That(network["mtu"]!.GetValue<int>(), Is.EqualTo(1450));
            Assert.That(network["project_id"]!.GetValue<string>(), Is.EqualTo(network["tenant_id"]!.GetValue<string>()));
        });
    }

    [Test]
    public async Task TenantNetworksGetDistinctVnis()
    {
        var a = await Create("/networks", "network", new JsonObject { ["name"] = Unique("a") });
        var b = await Create("/networks", "network", new JsonObject { ["name"] = Unique("b") });
        Assert.That(a["provider:segmentation_id"]!.GetValue<int>(), Is.Not.EqualTo(b["provider:segmentation_id"]!.GetValue<int>()));
        var taken = a["provider:segmentation_id"]!.GetValue<int>();
        AssertFault(await Send(HttpMethod.Post, "/networks", new JsonObject
        {
            ["network"] = new JsonObject { ["provider:network_type"] = "vxlan", ["provider:segmentation_id"] = taken },
        }), 409, "TunnelIdInUse");
    }

    [Test]
    public async Task FlatNetworksNeedAKnownPhysicalNetwork()
    {
        AssertFault(await Send(HttpMethod.Post, "/networks", new JsonObject
        {
            ["network"] = new JsonObject { ["provider:network_type"] = "flat", ["provider:physical_network"] = "nowhere" },
        }), 400, "InvalidInput");
        AssertFault(await Send(HttpMethod.Post, "/networks", new JsonObject
        {
            ["network"] = new JsonObject { ["provider:network_type"] = "flat" },
        }), 400, "InvalidInput");
    }

    [Test]
    public async Task UnknownNetworkIsNetworkNotFound()
    {
        AssertFault(await Send(HttpMethod.Get, "/networks/" + Guid.NewGuid()), 404, "NetworkNotFound");
    }

    [Test]
    public async Task ListFiltersSelectsFieldsAndPages()
    {
        var tag = Unique("page");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var network = await Create("/networks", "network", new JsonObject { ["name"] = tag, ["description"] = i.ToString() });
            ids.Add(Id(network));
        }
        var (_, filtered, _) = await Send(HttpMethod.Get, $"/networks?name={tag}&fields=id&fields=name");
        var items = filtered!["networks"]!.AsArray();
        Assert.That(items.Select(n => Id(n!)), Is.EqualTo(ids));
        Assert.That(items[0]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "id", "name" }));

        var (_, first, _) = await Send(HttpMethod.Get, $"/networks?name={tag}&limit=2");
        Assert.That(first!["networks"]!.AsArray().Select(n => Id(n!)), Is.EqualTo(ids.Take(2)));
        Assert.That(first["networks_links"]![0]!["rel"]!.GetValue<string>(), Is.EqualTo("next"));
        var (_, second, _) = await Send(HttpMethod.Get, $"/networks?name={tag}&limit=2&marker={ids[1]}");
        Assert.That(second!["networks"]!.AsArray().Select(n => Id(n!)), Is.EqualTo(ids.Skip(2)));
    }

    [Test]
    public async Task UpdateChangesNameAndBumpsRevision()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "before" });
        var (status, body, _) = await Send(HttpMethod.Put, "/networks/" + Id(network), new JsonObject { ["network"] = new JsonObject { ["name"] = "after" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["network"]!["name"]!.GetValue<string>(), Is.EqualTo("after"));
        Assert.That(body["network"]!["revision_number"]!.GetValue<int>(), Is.EqualTo(network["revision_number"]!.GetValue<int>() + 1));
    }

    [Test]
    public async Task TagsCanBeSetAndFilteredOn()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("tagged") });
        var tag = Unique("t");
        var (status, _, _) = await Send(HttpMethod.Put, $"/networks/{Id(network)}/tags/{tag}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        var (_, found, _) = await Send(HttpMethod.Get, $"/networks?tags={tag}");
        Assert.That(found!["networks"]!.AsArray().Select(n => Id(n!)), Is.EqualTo(new[] { Id(network) }));
        var (_, replaced, _) = await Send(HttpMethod.Put, $"/networks/{Id(network)}/tags", new JsonObject { ["tags"] = new JsonArray("x", "y") });
        Assert.That(replaced!["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "x", "y" }));
    }

    [Test]
    public async Task DeletingANetworkWithPortsIsRefusedThenAllowed()
    {
        var (network, _) = await NetworkWithSubnet("10.70.0.0/24");
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        AssertFault(await Send(HttpMethod.Delete, "/networks/" + Id(network)), 409, "NetworkInUse");
        Assert.That((await Send(HttpMethod.Delete, "/ports/" + Id(port))).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Send(HttpMethod.Delete, "/networks/" + Id(network))).Status, Is.EqualTo(HttpStatusCode.NoContent));
        AssertFault(await Send(HttpMethod.Get, "/networks/" + Id(network)), 404, "NetworkNotFound");
    }
}
