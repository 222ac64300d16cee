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

/// <summary>
/// Requests Nova refuses: a huge <c>min_count</c>/<c>max_count</c> before anything is allocated for
/// it (it once ran the host out of memory), unknown sort keys, invalid JSON text.
/// </summary>
public sealed class ServerRequestBoundTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    [Test]
    public async Task A_count_beyond_the_quota_is_refused_at_once()
    {
        var (member, _) = await NewMemberAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (status, body) = await CreateServerAsync(member, extra: new JsonObject { ["min_count"] = 100000, ["max_count"] = 100000 });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), body?.ToJsonString());
        Assert.That(body!["forbidden"]!["message"]!.GetValue<string>(), Does.Contain("Quota exceeded for instances"));
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "refused before building a record per server");

        (status, body) = await CreateServerAsync(member, extra: new JsonObject { ["max_count"] = 1_000_000_000 });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), body?.ToJsonString());
    }

    [Test]
    public async Task Without_a_quota_a_hard_bound_still_applies()
    {
        var (member, projectId) = await NewMemberAsync();
        var (set, _, _) = await Nova(HttpMethod.Put, $"/os-quota-sets/{projectId}", AdminToken,
            new JsonObject { ["quota_set"] = new JsonObject { ["instances"] = -1, ["cores"] = -1, ["ram"] = -1 } });
        Assert.That(set, Is.EqualTo(HttpStatusCode.OK));
        var (status, body) = await CreateServerAsync(member, extra: new JsonObject { ["min_count"] = 5000 });
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body?.ToJsonString());
        Assert.That(body!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("min_count"));
        var (_, list, _) = await Nova(HttpMethod.Get, "/servers", member);
        Assert.That(list!["servers"]!.AsArray(), Is.Empty, "nothing was created");
    }

    [Test]
    public async Task Unknown_sort_keys_and_directions_are_400()
    {
        foreach (var query in new[] { "sort_key=nonsense", "sort_dir=sideways", "sort_key=display_name&sort_dir=up" })
        {
            var (status, body, _) = await Nova(HttpMethod.Get, "/servers/detail?" + query, AdminToken);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), query + " " + body?.ToJsonString());
            Assert.That(body!["badRequest"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
        }
        var (ok, _, _) = await Nova(HttpMethod.Get, "/servers?sort_key=display_name&sort_dir=asc", AdminToken);
        Assert.That(ok, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Invalid_json_text_in_a_key_pair_or_server_name_is_400()
    {
        foreach (var (path, body) in new[]
        {
            ("/compute/v2.1/os-keypairs", "{\"keypair\":{\"name\":\"k\\ud800\"}}"),
            ("/compute/v2.1/servers", "{\"server\":{\"name\":\"s\\u0000\",\"imageRef\":\"x\",\"flavorRef\":\"1\"}}"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body)) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Auth-Token", AdminToken);
            using var response = await Cloud.Client.SendAsync(request);
            var fault = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), path + " " + fault?.ToJsonString());
            Assert.That(fault!["badRequest"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
        }
    }
}
