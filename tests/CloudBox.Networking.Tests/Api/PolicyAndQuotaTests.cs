using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Tests.Api;

/// <summary>Secure RBAC for members, visibility across projects, and quotas.</summary>
public sealed class PolicyAndQuotaTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    [Test]
    public async Task MembersCannotCreateExternalSharedOrProviderNetworks()
    {
        var (token, _) = await MemberAsync();
        foreach (var attributes in new[]
        {
            new JsonObject { ["router:external"] = true },
            new JsonObject { ["shared"] = true },
            new JsonObject { ["provider:network_type"] = "local" },
        })
        {
            AssertFault(await Send(HttpMethod.Post, "/networks", new JsonObject { ["network"] = attributes }, token), 403, "PolicyNotAuthorized");
        }
        // Saying "not external" explicitly is fine.
        await Create("/networks", "network", new JsonObject { ["router:external"] = false }, token);
    }

    [Test]
    public async Task MembersSeeTheirOwnSharedAndExternalNetworksOnly()
    {
        var (token, projectId) = await MemberAsync();
        var own = await Create("/networks", "network", new JsonObject { ["name"] = Unique("own") }, token);
        var hidden = await Create("/networks", "network", new JsonObject { ["name"] = Unique("hidden") });
        var shared = await Create("/networks", "network", new JsonObject { ["name"] = Unique("shared"), ["shared"] = true });
        var (_, body, _) = await Send(HttpMethod.Get, "/networks", token: token);
        var ids = body!["networks"]!.AsArray().Select(n => Id(n!)).ToList();
        Assert.That(ids, Does.Contain(Id(own)).And.Contain(Id(shared)).And.Not.Contain(Id(hidden)));
        Assert.That(own["project_id"]!.GetValue<string>(), Is.EqualTo(projectId));
        AssertFault(await Send(HttpMethod.Get, "/networks/" + Id(hidden), token: token), 404, "NetworkNotFound");
        AssertFault(await Send(HttpMethod.Delete, "/networks/" + Id(shared), token: token), 403, "PolicyNotAuthorized");
    }

    [Test]
    public async Task MembersCanPortOntoSharedButNotPrivateNetworks()
    {
        var (token, _) = await MemberAsync();
        var (shared, _) = await NetworkWithSubnet("10.60.0.0/24");
        await Send(HttpMethod.Put, "/networks/" + Id(shared), new JsonObject { ["network"] = new JsonObject { ["shared"] = true } });
        await Create("/ports", "port", new JsonObject { ["network_id"] = Id(shared) }, token);
        var (hidden, _) = await NetworkWithSubnet("10.61.0.0/24");
        AssertFault(await Send(HttpMethod.Post, "/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = Id(hidden) } }, token),
            404, "NetworkNotFound");
    }

    [Test]
    public async Task MembersSeeTheirPortsWithoutTheBindingDetailsThatAreTheOperators()
    {
        var (token, _) = await MemberAsync();
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("bound") }, token);
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.62.0.0/24", ["ip_version"] = 4 }, token);
        var created = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["binding:vnic_type"] = "normal" }, token);
        await Send(HttpMethod.Put, "/ports/" + Id(created), new JsonObject
        {
            ["port"] = new JsonObject { ["binding:host_id"] = "node-7", ["binding:profile"] = new JsonObject { ["pci_slot"] = "0000:00:01.0" } },
        });
        string[] adminOnly = ["binding:host_id", "binding:profile", "binding:vif_type", "binding:vif_details"];

        var (_, shown, _) = await Send(HttpMethod.Get, "/ports/" + Id(created), token: token);
        var (_, listed, _) = await Send(HttpMethod.Get, "/ports?network_id=" + Id(network), token: token);
        foreach (var port in new[] { created, shown!["port"]!.AsObject(), listed!["ports"]!.AsArray().Single()!.AsObject() })
        {
            Assert.That(adminOnly.Where(port.ContainsKey), Is.Empty);
            Assert.That(port["binding:vnic_type"]!.GetValue<string>(), Is.EqualTo("normal"), "the owner's own choice stays visible");
        }
        var (_, asAdmin, _) = await Send(HttpMethod.Get, "/ports/" + Id(created));
        Assert.That(asAdmin!["port"]!["binding:host_id"]!.GetValue<string>(), Is.EqualTo("node-7"));
        Assert.That(asAdmin["port"]!["binding:profile"]!["pci_slot"]!.GetValue<string>(), Is.EqualTo("0000:00:01.0"));
    }

    [Test]
    public async Task QuotaLimitsAMembersNetworks()
    {
        var (token, projectId) = await MemberAsync();
        AssertFault(await Send(HttpMethod.Put, "/quotas/" + projectId, new JsonObject { ["quota"] = new JsonObject { ["network"] = 1 } }, token),
            403, "PolicyNotAuthorized");
        var (status, body, _) = await Send(HttpMethod.Put, "/quotas/" + projectId, new JsonObject { ["quota"] = new JsonObject { ["network"] = 1 } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["quota"]!["network"]!.GetValue<int>(), Is.EqualTo(1));
        await Create("/networks", "network", new JsonObject { ["name"] = "first" }, token);
        AssertFault(await Send(HttpMethod.Post, "/networks", new JsonObject { ["network"] = new JsonObject { ["name"] = "second" } }, token),
            409, "OverQuota");
        var (_, shown, _) = await Send(HttpMethod.Get, $"/quotas/{projectId}/details", token: token);
        Assert.That(shown!["quota"]!["network"]!["used"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That((await Send(HttpMethod.Delete, "/quotas/" + projectId)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        await Create("/networks", "network", new JsonObject { ["name"] = "second" }, token);
    }

    [Test]
    public async Task RequestsWithoutATokenAreUnauthorized()
    {
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, "/network/v2.0/networks", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
