using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>Quotas and limits: enforced at create, exactly, even when creates race.</summary>
public sealed class QuotaTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    private async Task SetQuotaAsync(string projectId, JsonObject limits)
    {
        var (status, body, _) = await Nova(HttpMethod.Put, $"/os-quota-sets/{projectId}", AdminToken, new JsonObject { ["quota_set"] = limits });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
    }

    [Test]
    public async Task Concurrent_creates_never_exceed_the_instance_quota()
    {
        var (member, projectId) = await NewMemberAsync();
        await SetQuotaAsync(projectId, new JsonObject { ["instances"] = 3 });
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CreateServerAsync(member)));
        Assert.That(attempts.Count(a => a.Status == HttpStatusCode.Accepted), Is.EqualTo(3));
        var refused = attempts.Where(a => a.Status != HttpStatusCode.Accepted).ToList();
        Assert.That(refused.Select(a => a.Status), Has.All.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(refused[0].Body!["forbidden"]!["message"]!.GetValue<string>(), Does.Contain("Quota exceeded for instances"));

        var (_, limits, _) = await Nova(HttpMethod.Get, "/limits", member);
        Assert.That(limits!["limits"]!["absolute"]!["maxTotalInstances"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(limits["limits"]!["absolute"]!["totalInstancesUsed"]!.GetValue<int>(), Is.EqualTo(3));
    }

    [Test]
    public async Task Cores_and_ram_are_counted_from_flavors()
    {
        var (member, projectId) = await NewMemberAsync();
        await SetQuotaAsync(projectId, new JsonObject { ["ram"] = 1000 });
        Assert.That((await CreateServerAsync(member)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        var (status, body) = await CreateServerAsync(member);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(body!["forbidden"]!["message"]!.GetValue<string>(), Does.Contain("ram"));
        var (_, detail, _) = await Nova(HttpMethod.Get, $"/os-quota-sets/{projectId}/detail", member);
        Assert.That(detail!["quota_set"]!["ram"]!["in_use"]!.GetValue<int>(), Is.EqualTo(512));
    }

    [Test]
    public async Task Members_cannot_change_quotas_and_key_pairs_are_limited()
    {
        var (member, projectId) = await NewMemberAsync();
        var (refused, _, _) = await Nova(HttpMethod.Put, $"/os-quota-sets/{projectId}", member,
            new JsonObject { ["quota_set"] = new JsonObject { ["instances"] = 100 } });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.Forbidden));

        await SetQuotaAsync(projectId, new JsonObject { ["key_pairs"] = 1 });
        Assert.That((await Nova(HttpMethod.Post, "/os-keypairs", member, new JsonObject { ["keypair"] = new JsonObject { ["name"] = "k1" } })).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Nova(HttpMethod.Post, "/os-keypairs", member, new JsonObject { ["keypair"] = new JsonObject { ["name"] = "k2" } })).Status, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
