using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

/// <summary>Projects, quotas and capacity.</summary>
public sealed class VolumeAccessTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private async Task<(string Project, string Token)> MemberAsync()
    {
        var name = Unique("proj");
        var user = Unique("user");
        var (projectId, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, name, user, "pw", "member");
        return (projectId, await Cloud.TokenAsync(user, "pw", name));
    }

    [Test]
    public async Task Another_projects_volume_is_not_found_and_its_url_is_forbidden()
    {
        var (project, token) = await MemberAsync();
        var (otherProject, otherToken) = await MemberAsync();
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }, token, project))["id"]!.GetValue<string>();

        var (forbidden, _) = await CallAsync(HttpMethod.Get, $"volumes/{id}", token: otherToken, project: project);
        Assert.That(forbidden, Is.EqualTo(HttpStatusCode.Forbidden));
        var (notFound, _) = await CallAsync(HttpMethod.Get, $"volumes/{id}", token: otherToken, project: otherProject);
        Assert.That(notFound, Is.EqualTo(HttpStatusCode.NotFound));
        var (_, list) = await CallAsync(HttpMethod.Get, "volumes", token: otherToken, project: otherProject);
        Assert.That(list!["volumes"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Concurrent_creates_cannot_exceed_the_volume_quota()
    {
        var (project, token) = await MemberAsync();
        var (set, _) = await CallAsync(HttpMethod.Put, $"os-quota-sets/{project}", new JsonObject { ["quota_set"] = new JsonObject { ["volumes"] = 3 } });
        Assert.That(set, Is.EqualTo(HttpStatusCode.OK));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            CallAsync(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1 } }, token, project)));
        Assert.That(attempts.Count(a => a.Status == HttpStatusCode.Accepted), Is.EqualTo(3));
        Assert.That(attempts.Where(a => a.Status != HttpStatusCode.Accepted).Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        var (_, limits) = await CallAsync(HttpMethod.Get, "limits", token: token, project: project);
        Assert.That(limits!["limits"]!["absolute"]!["totalVolumesUsed"]!.GetValue<int>(), Is.EqualTo(3));
    }

    [Test]
    public async Task Gigabyte_quota_and_thin_capacity_are_enforced()
    {
        var (project, token) = await MemberAsync();
        var (overQuota, body) = await CallAsync(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1001 } }, token, project);
        Assert.That(overQuota, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(body!["overLimit"]!["message"]!.GetValue<string>(), Does.Contain("gigabytes"));

        // 100 GiB of store, ratio 20: 2000 GiB can be promised, not more.
        await CallAsync(HttpMethod.Put, $"os-quota-sets/{project}", new JsonObject { ["quota_set"] = new JsonObject { ["gigabytes"] = -1 } });
        var (overCapacity, capacityFault) = await CallAsync(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 2001 } }, token, project);
        Assert.That(overCapacity, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(capacityFault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("capacity"));
    }

    [Test]
    public async Task Members_cannot_manage_types_or_quotas()
    {
        var (project, token) = await MemberAsync();
        var (type, _) = await CallAsync(HttpMethod.Post, "types", new JsonObject { ["volume_type"] = new JsonObject { ["name"] = Unique("t") } }, token, project);
        Assert.That(type, Is.EqualTo(HttpStatusCode.Forbidden));
        var (quota, _) = await CallAsync(HttpMethod.Put, $"os-quota-sets/{project}", new JsonObject { ["quota_set"] = new JsonObject { ["volumes"] = 100 } }, token, project);
        Assert.That(quota, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
