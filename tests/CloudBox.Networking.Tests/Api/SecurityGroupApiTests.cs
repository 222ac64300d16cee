using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Tests.Api;

/// <summary>Security groups: the per-project default, rules and their validation.</summary>
public sealed class SecurityGroupApiTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    [Test]
    public async Task DefaultGroupAppearsOnFirstListWithNeutronsRules()
    {
        var (token, _) = await MemberAsync();
        var (_, body, _) = await Send(HttpMethod.Get, "/security-groups", token: token);
        var groups = body!["security_groups"]!.AsArray();
        Assert.That(groups.Select(g => g!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "default" }));
        var rules = groups[0]!["security_group_rules"]!.AsArray();
        Assert.That(rules, Has.Count.EqualTo(4));
        Assert.That(rules.Count(r => r!["direction"]!.GetValue<string>() == "egress" && r["remote_group_id"] is null), Is.EqualTo(2));
        Assert.That(rules.Count(r => r!["direction"]!.GetValue<string>() == "ingress" && r["remote_group_id"]?.GetValue<string>() == Id(groups[0]!)),
            Is.EqualTo(2));
        // Listing again does not make a second one.
        var (_, again, _) = await Send(HttpMethod.Get, "/security-groups", token: token);
        Assert.That(again!["security_groups"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task NewGroupAllowsEgressAndRulesAreValidated()
    {
        var group = await Create("/security-groups", "security_group", new JsonObject { ["name"] = Unique("web") });
        Assert.That(group["security_group_rules"]!.AsArray().Select(r => r!["direction"]!.GetValue<string>()), Is.All.EqualTo("egress"));
        var rule = new JsonObject
        {
            ["security_group_id"] = Id(group), ["direction"] = "ingress", ["protocol"] = "tcp",
            ["port_range_min"] = 22, ["port_range_max"] = 22, ["remote_ip_prefix"] = "0.0.0.0/0",
        };
        var created = await Create("/security-group-rules", "security_group_rule", (JsonObject)rule.DeepClone());
        Assert.That(created["ethertype"]!.GetValue<string>(), Is.EqualTo("IPv4"));
        AssertFault(await Send(HttpMethod.Post, "/security-group-rules", new JsonObject { ["security_group_rule"] = rule.DeepClone() }),
            409, "SecurityGroupRuleExists");
        var backwards = (JsonObject)rule.DeepClone();
        backwards["port_range_min"] = 90;
        backwards["port_range_max"] = 80;
        AssertFault(await Send(HttpMethod.Post, "/security-group-rules", new JsonObject { ["security_group_rule"] = backwards }),
            400, "SecurityGroupInvalidPortRange");
        var portsWithoutProtocol = new JsonObject { ["security_group_id"] = Id(group), ["direction"] = "ingress", ["port_range_min"] = 80 };
        AssertFault(await Send(HttpMethod.Post, "/security-group-rules", new JsonObject { ["security_group_rule"] = portsWithoutProtocol }),
            400, "SecurityGroupProtocolRequiredWithPorts");
    }

    [Test]
    public async Task GroupInUseCannotBeDeleted()
    {
        var group = await Create("/security-groups", "security_group", new JsonObject { ["name"] = Unique("used") });
        var (network, _) = await NetworkWithSubnet("10.30.0.0/24");
        var port = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["security_groups"] = new JsonArray(Id(group)) });
        AssertFault(await Send(HttpMethod.Delete, "/security-groups/" + Id(group)), 409, "SecurityGroupInUse");
        await Send(HttpMethod.Delete, "/ports/" + Id(port));
        Assert.That((await Send(HttpMethod.Delete, "/security-groups/" + Id(group))).Status, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task MembersCannotSeeOtherProjectsGroups()
    {
        var group = await Create("/security-groups", "security_group", new JsonObject { ["name"] = Unique("private") });
        var (token, _) = await MemberAsync();
        AssertFault(await Send(HttpMethod.Get, "/security-groups/" + Id(group), token: token), 404, "SecurityGroupNotFound");
    }
}
