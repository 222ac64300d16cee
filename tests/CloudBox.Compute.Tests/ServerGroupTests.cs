using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Compute.ServerGroups;
using CloudBox.Core.Api;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Server groups: the API at the microversions that change it, who sees which group, their quotas,
/// and the scheduler enforcing the policy on this one-node cloud (anti-affinity: one member per
/// host, the next goes to ERROR with Nova's "No valid host" fault; the others always place).
/// </summary>
public sealed class ServerGroupTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> CreateGroupAsync(string token, string policy, string version = "2.1", string? name = null)
    {
        var group = new JsonObject { ["name"] = name ?? Unique("group"), ["policies"] = new JsonArray(policy) };
        return await NovaAt(version, HttpMethod.Post, "/os-server-groups", token, new JsonObject { ["server_group"] = group });
    }

    private async Task<string> GroupAsync(string token, string policy, string version = "2.1")
    {
        var (status, body) = await CreateGroupAsync(token, policy, version);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return body!["server_group"]!["id"]!.GetValue<string>();
    }

    /// <summary><c>server create --hint group=ID</c>: the hint sits beside <c>server</c> in the body.</summary>
    private async Task<(HttpStatusCode Status, JsonNode? Body)> CreateInGroupAsync(string token, string group, int count = 1)
    {
        var body = new JsonObject
        {
            ["server"] = new JsonObject
            {
                ["name"] = Unique("vm"), ["imageRef"] = ImageId, ["flavorRef"] = "1", ["networks"] = "none", ["min_count"] = count, ["max_count"] = count,
            },
            ["os:scheduler_hints"] = new JsonObject { ["group"] = group },
        };
        var (status, answer, _) = await Nova(HttpMethod.Post, "/servers", token, body);
        return (status, answer);
    }

    private async Task<string> MemberAsync(string token, string group)
    {
        var (status, body) = await CreateInGroupAsync(token, group);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        return body!["server"]!["id"]!.GetValue<string>();
    }

    /// <summary>Waits until the build is over (ACTIVE or ERROR) and returns the server.</summary>
    private async Task<JsonObject> SettledAsync(string id, string token)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var server = await ShowServerAsync(id, token);
            if (server["status"]!.GetValue<string>() is "ACTIVE" or "ERROR" && server["OS-EXT-STS:task_state"] is null)
                return server;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"server {id} did not finish building: {server.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    private async Task ActiveAsync(string id, string token)
    {
        var server = await SettledAsync(id, token);
        Assert.That(server["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), server.ToJsonString());
    }

    private async Task<string[]> MembersAsync(string group, string token)
    {
        var (status, body) = await NovaAt("2.1", HttpMethod.Get, $"/os-server-groups/{group}", token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return body!["server_group"]!["members"]!.AsArray().Select(m => m!.GetValue<string>()).ToArray();
    }

    private async Task SetQuotaAsync(string projectId, JsonObject limits)
    {
        var (status, body, _) = await Nova(HttpMethod.Put, $"/os-quota-sets/{projectId}", AdminToken, new JsonObject { ["quota_set"] = limits });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
    }

    [Test]
    public async Task Groups_are_created_listed_shown_and_deleted_in_the_shape_of_each_microversion()
    {
        var (member, projectId) = await NewMemberAsync();
        var (status, created) = await CreateGroupAsync(member, "anti-affinity", name: "web-tier");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), created?.ToJsonString());
        var group = created!["server_group"]!.AsObject();
        var id = group["id"]!.GetValue<string>();
        Assert.That(group["name"]!.GetValue<string>(), Is.EqualTo("web-tier"));
        Assert.That(group["policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EqualTo(new[] { "anti-affinity" }));
        Assert.That(group["members"]!.AsArray(), Is.Empty);
        Assert.That(group["metadata"]!.AsObject(), Is.Empty);
        Assert.That(group.ContainsKey("project_id"), Is.False, "project_id comes with 2.13");

        var (_, shown) = await NovaAt("2.13", HttpMethod.Get, $"/os-server-groups/{id}", member);
        Assert.That(shown!["server_group"]!["project_id"]!.GetValue<string>(), Is.EqualTo(projectId));
        Assert.That(shown["server_group"]!["user_id"]!.GetValue<string>(), Is.Not.Empty);

        var (_, listed) = await NovaAt("2.1", HttpMethod.Get, "/os-server-groups", member);
        Assert.That(listed!["server_groups"]!.AsArray().Select(g => g!["id"]!.GetValue<string>()), Is.EqualTo(new[] { id }));

        Assert.That((await NovaAt("2.1", HttpMethod.Delete, $"/os-server-groups/{id}", member)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        var (gone, fault) = await NovaAt("2.1", HttpMethod.Get, $"/os-server-groups/{id}", member);
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(fault!["itemNotFound"]!["message"]!.GetValue<string>(), Does.Contain(id));
    }

    [Test]
    public async Task Bad_policies_are_refused_and_the_soft_ones_need_2_15()
    {
        var (member, _) = await NewMemberAsync();
        Assert.That((await CreateGroupAsync(member, "soft-anti-affinity")).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CreateGroupAsync(member, "soft-anti-affinity", "2.15")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await CreateGroupAsync(member, "soft-affinity", "2.15")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await CreateGroupAsync(member, "spread-out", "2.15")).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        var two = new JsonObject { ["server_group"] = new JsonObject { ["name"] = "g", ["policies"] = new JsonArray("affinity", "anti-affinity") } };
        Assert.That((await NovaAt("2.1", HttpMethod.Post, "/os-server-groups", member, two)).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        var rules = new JsonObject { ["server_group"] = new JsonObject { ["name"] = "g", ["policy"] = "anti-affinity", ["rules"] = new JsonObject { ["max_server_per_host"] = 2 } } };
        Assert.That((await NovaAt("2.37", HttpMethod.Post, "/os-server-groups", member, rules)).Status, Is.EqualTo(HttpStatusCode.BadRequest), "policy and rules are 2.64");
        var nameless = new JsonObject { ["server_group"] = new JsonObject { ["policies"] = new JsonArray("affinity") } };
        Assert.That((await NovaAt("2.1", HttpMethod.Post, "/os-server-groups", member, nameless)).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public void From_2_64_a_group_has_one_policy_and_anti_affinity_may_allow_more_servers_per_host()
    {
        JsonObject Body(string policy, JsonObject? rules = null) => new() { ["name"] = "g", ["policy"] = policy, ["rules"] = rules };
        var spread = ServerGroupPolicy.Parse(Body("anti-affinity", new JsonObject { ["max_server_per_host"] = 3 }), 64);
        Assert.That(spread.PerHostLimit, Is.EqualTo(3));
        Assert.That(ServerGroupPolicy.Parse(Body("anti-affinity"), 64).PerHostLimit, Is.EqualTo(1));
        Assert.That(ServerGroupPolicy.Parse(Body("soft-anti-affinity"), 64).PerHostLimit, Is.Null);
        Assert.That(ServerGroupPolicy.Parse(Body("affinity"), 64).PerHostLimit, Is.Null);
        Assert.Throws<ApiFault>(() => ServerGroupPolicy.Parse(Body("affinity", new JsonObject { ["max_server_per_host"] = 3 }), 64));
        Assert.Throws<ApiFault>(() => ServerGroupPolicy.Parse(Body("anti-affinity", new JsonObject { ["max_server_per_host"] = 0 }), 64));
        Assert.Throws<ApiFault>(() => ServerGroupPolicy.Parse(Body("anti-affinity", new JsonObject { ["max_servers"] = 2 }), 64));
        Assert.Throws<ApiFault>(() => ServerGroupPolicy.Parse(new JsonObject { ["name"] = "g", ["policies"] = new JsonArray("affinity") }, 64));
    }

    [Test]
    public async Task A_project_sees_its_own_groups_and_admins_see_all_with_all_projects()
    {
        var (first, _) = await NewMemberAsync();
        var (second, _) = await NewMemberAsync();
        var mine = await GroupAsync(first, "affinity");
        var theirs = await GroupAsync(second, "affinity");

        Assert.That((await NovaAt("2.1", HttpMethod.Get, $"/os-server-groups/{theirs}", first)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await NovaAt("2.1", HttpMethod.Delete, $"/os-server-groups/{theirs}", first)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        var (_, own) = await NovaAt("2.1", HttpMethod.Get, "/os-server-groups?all_projects=True", first);
        Assert.That(own!["server_groups"]!.AsArray().Select(g => g!["id"]!.GetValue<string>()), Is.EqualTo(new[] { mine }));

        var (_, all) = await NovaAt("2.1", HttpMethod.Get, "/os-server-groups?all_projects=True", AdminToken);
        Assert.That(all!["server_groups"]!.AsArray().Select(g => g!["id"]!.GetValue<string>()), Does.Contain(mine).And.Contain(theirs));
        var (_, adminOwn) = await NovaAt("2.1", HttpMethod.Get, "/os-server-groups", AdminToken);
        Assert.That(adminOwn!["server_groups"]!.AsArray().Select(g => g!["id"]!.GetValue<string>()), Does.Not.Contain(mine));
        var (_, page) = await NovaAt("2.1", HttpMethod.Get, "/os-server-groups?all_projects=True&limit=1&offset=1", AdminToken);
        Assert.That(page!["server_groups"]!.AsArray(), Has.Count.EqualTo(1));

        // A server cannot join another project's group.
        var (status, body) = await CreateInGroupAsync(first, theirs);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body?.ToJsonString());
        Assert.That((await CreateInGroupAsync(first, Guid.NewGuid().ToString())).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CreateInGroupAsync(first, "not-a-uuid")).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task The_server_group_quotas_are_enforced_and_reported()
    {
        var (member, projectId) = await NewMemberAsync();
        await SetQuotaAsync(projectId, new JsonObject { ["server_groups"] = 1, ["server_group_members"] = 1 });
        var group = await GroupAsync(member, "soft-anti-affinity", "2.15");
        var (status, body) = await CreateGroupAsync(member, "affinity");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), body?.ToJsonString());
        Assert.That(body!["forbidden"]!["message"]!.GetValue<string>(), Does.Contain("too many server groups"));

        var (_, limits, _) = await Nova(HttpMethod.Get, "/limits", member);
        Assert.That(limits!["limits"]!["absolute"]!["maxServerGroups"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(limits["limits"]!["absolute"]!["totalServerGroupsUsed"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(limits["limits"]!["absolute"]!["maxServerGroupMembers"]!.GetValue<int>(), Is.EqualTo(1));
        var (_, detail, _) = await Nova(HttpMethod.Get, $"/os-quota-sets/{projectId}/detail", member);
        Assert.That(detail!["quota_set"]!["server_groups"]!["in_use"]!.GetValue<int>(), Is.EqualTo(1));

        var first = await MemberAsync(member, group);
        (status, body) = await CreateInGroupAsync(member, group);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), body?.ToJsonString());
        Assert.That(body!["forbidden"]!["message"]!.GetValue<string>(), Does.Contain("too many servers in group"));

        // A deleted server leaves its group and gives its place back.
        await SettledAsync(first, member);
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{first}", member)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await MembersAsync(group, member), Is.Empty);
        Assert.That((await CreateInGroupAsync(member, group)).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Anti_affinity_allows_one_member_on_the_host_and_the_next_fails_with_no_valid_host()
    {
        var (member, _) = await NewMemberAsync();
        var group = await GroupAsync(member, "anti-affinity");
        var first = await MemberAsync(member, group);
        await ActiveAsync(first, member);

        var second = await MemberAsync(member, group);
        var refused = await SettledAsync(second, member);
        Assert.That(refused["status"]!.GetValue<string>(), Is.EqualTo("ERROR"));
        Assert.That(refused["fault"]!["code"]!.GetValue<int>(), Is.EqualTo(500));
        Assert.That(refused["fault"]!["message"]!.GetValue<string>(), Is.EqualTo("No valid host was found. There are not enough hosts available."));
        Assert.That(Driver.Started.ContainsKey(second), Is.False, "no VM was started for the refused server");
        Assert.That(await MembersAsync(group, member), Is.EquivalentTo(new[] { first, second }));

        // Once the first member is gone, the host has room for the group again.
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{first}", member)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await MembersAsync(group, member), Is.EqualTo(new[] { second }));
        var third = await MemberAsync(member, group);
        await ActiveAsync(third, member);
    }

    [Test]
    public async Task Members_built_in_parallel_still_get_one_place_per_host_under_anti_affinity()
    {
        var (member, _) = await NewMemberAsync();
        var group = await GroupAsync(member, "anti-affinity");
        var (status, body) = await CreateInGroupAsync(member, group, count: 4);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var members = await MembersAsync(group, member);
        Assert.That(members, Has.Length.EqualTo(4));
        var states = new List<string>();
        foreach (var id in members)
        {
            var server = await SettledAsync(id, member);
            states.Add(server["status"]!.GetValue<string>() + " " + server["fault"]?["message"]);
        }
        Assert.That(states.Count(s => s.StartsWith("ACTIVE")), Is.EqualTo(1), string.Join(",", states));
        Assert.That(states.Count(s => s == "ERROR No valid host was found. There are not enough hosts available."), Is.EqualTo(3), string.Join(",", states));
    }

    [TestCase("soft-anti-affinity")]
    [TestCase("affinity")]
    [TestCase("soft-affinity")]
    public async Task The_other_policies_place_every_member_on_the_one_host(string policy)
    {
        var (member, _) = await NewMemberAsync();
        var group = await GroupAsync(member, policy, "2.15");
        var first = await MemberAsync(member, group);
        var second = await MemberAsync(member, group);
        await ActiveAsync(first, member);
        await ActiveAsync(second, member);
        Assert.That(await MembersAsync(group, member), Is.EquivalentTo(new[] { first, second }));
    }
}
