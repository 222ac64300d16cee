using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>Flavors: the defaults, admin-only management, private flavors and extra specs.</summary>
public sealed class FlavorTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    [Test]
    public async Task A_fresh_cloud_has_the_classic_flavors()
    {
        var (status, body, _) = await Nova(HttpMethod.Get, "/flavors/detail", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var names = body!["flavors"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.That(names, Is.SupersetOf(new[] { "m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge" }));
        var (_, tiny, _) = await Nova(HttpMethod.Get, "/flavors/1", AdminToken);
        Assert.That(tiny!["flavor"]!["ram"]!.GetValue<int>(), Is.EqualTo(512));
        Assert.That(tiny["flavor"]!["links"]!.AsArray(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Admins_create_flavors_members_may_not_and_names_are_unique()
    {
        var name = Unique("flv");
        var flavor = new JsonObject { ["flavor"] = new JsonObject { ["name"] = name, ["ram"] = 256, ["vcpus"] = 1, ["disk"] = 1 } };
        var (created, body, _) = await Nova(HttpMethod.Post, "/flavors", AdminToken, flavor);
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That(body!["flavor"]!["id"]!.GetValue<string>(), Is.Not.Empty);
        var (again, _, _) = await Nova(HttpMethod.Post, "/flavors", AdminToken, flavor);
        Assert.That(again, Is.EqualTo(HttpStatusCode.Conflict));

        var (member, _) = await NewMemberAsync();
        var (refused, fault, _) = await Nova(HttpMethod.Post, "/flavors", member,
            new JsonObject { ["flavor"] = new JsonObject { ["name"] = Unique("x"), ["ram"] = 256, ["vcpus"] = 1, ["disk"] = 1 } });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(fault!["forbidden"], Is.Not.Null);

        var (bad, _, _) = await Nova(HttpMethod.Post, "/flavors", AdminToken,
            new JsonObject { ["flavor"] = new JsonObject { ["name"] = Unique("x"), ["ram"] = "lots", ["vcpus"] = 1, ["disk"] = 1 } });
        Assert.That(bad, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Private_flavors_are_seen_only_by_projects_given_access()
    {
        var (member, projectId) = await NewMemberAsync();
        var (_, body, _) = await Nova(HttpMethod.Post, "/flavors", AdminToken, new JsonObject
        {
            ["flavor"] = new JsonObject { ["name"] = Unique("private"), ["ram"] = 256, ["vcpus"] = 1, ["disk"] = 1, ["os-flavor-access:is_public"] = false },
        });
        var id = body!["flavor"]!["id"]!.GetValue<string>();
        Assert.That((await Nova(HttpMethod.Get, $"/flavors/{id}", member)).Status, Is.EqualTo(HttpStatusCode.NotFound));

        var (added, access, _) = await Nova(HttpMethod.Post, $"/flavors/{id}/action", AdminToken,
            new JsonObject { ["addTenantAccess"] = new JsonObject { ["tenant"] = projectId } });
        Assert.That(added, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(access!["flavor_access"]![0]!["tenant_id"]!.GetValue<string>(), Is.EqualTo(projectId));
        Assert.That((await Nova(HttpMethod.Get, $"/flavors/{id}", member)).Status, Is.EqualTo(HttpStatusCode.OK));
        var (_, list, _) = await Nova(HttpMethod.Get, "/flavors", member);
        Assert.That(list!["flavors"]!.AsArray().Select(f => f!["id"]!.GetValue<string>()), Does.Contain(id));
    }

    [Test]
    public async Task Extra_specs_are_set_read_and_unset()
    {
        var (_, body, _) = await Nova(HttpMethod.Post, "/flavors", AdminToken, new JsonObject
        {
            ["flavor"] = new JsonObject { ["name"] = Unique("specs"), ["ram"] = 256, ["vcpus"] = 1, ["disk"] = 1 },
        });
        var id = body!["flavor"]!["id"]!.GetValue<string>();
        var (set, _, _) = await Nova(HttpMethod.Post, $"/flavors/{id}/os-extra_specs", AdminToken,
            new JsonObject { ["extra_specs"] = new JsonObject { ["hw:cpu_policy"] = "dedicated", ["quota:disk_read_bytes_sec"] = "1000" } });
        Assert.That(set, Is.EqualTo(HttpStatusCode.OK));
        var (_, one, _) = await Nova(HttpMethod.Get, $"/flavors/{id}/os-extra_specs/hw:cpu_policy", AdminToken);
        Assert.That(one!["hw:cpu_policy"]!.GetValue<string>(), Is.EqualTo("dedicated"));
        Assert.That((await Nova(HttpMethod.Delete, $"/flavors/{id}/os-extra_specs/hw:cpu_policy", AdminToken)).Status, Is.EqualTo(HttpStatusCode.OK));
        var (_, all, _) = await Nova(HttpMethod.Get, $"/flavors/{id}/os-extra_specs", AdminToken);
        Assert.That(all!["extra_specs"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "quota:disk_read_bytes_sec" }));
    }

    [Test]
    public async Task MinRam_filters_the_list()
    {
        var (_, body, _) = await Nova(HttpMethod.Get, "/flavors/detail?minRam=4096", AdminToken);
        Assert.That(body!["flavors"]!.AsArray().All(f => f!["ram"]!.GetValue<int>() >= 4096), Is.True);
        Assert.That(body["flavors"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()), Does.Not.Contain("m1.tiny"));
    }
}
