using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Telemetry.Tests.Api;

/// <summary>Gnocchi's API end to end: batches, reads, search, aggregates and who sees what.</summary>
public class GnocchiApiTests(DatabaseEngine engine) : TelemetryFixture(engine)
{
    private async Task<string> CreateInstanceAsync(string token, string project, string host, params string[] metrics)
    {
        var metricMap = new JsonObject();
        foreach (var metric in metrics)
            metricMap[metric] = new JsonObject { ["archive_policy_name"] = "medium" };
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/resource/instance", token, new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["project_id"] = project,
            ["host"] = host,
            ["display_name"] = Unique("vm"),
            ["flavor_id"] = "1",
            ["metrics"] = metricMap,
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return body!["id"]!.GetValue<string>();
    }

    [Test]
    public async Task BatchOfResourcesCreatesMetricsAndEveryMeasureIsReadBack()
    {
        var (status, project, _) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/projects?name=admin", AdminToken);
        var projectId = project!["projects"]![0]!["id"]!.GetValue<string>();
        var resources = new List<string>();
        for (var i = 0; i < 3; i++)
            resources.Add(await CreateInstanceAsync(AdminToken, projectId, "host-batch"));
        var batch = new JsonObject();
        foreach (var resource in resources)
        {
            var measures = new JsonArray();
            for (var s = 0; s < 120; s++)
                measures.Add(new JsonObject { ["timestamp"] = $"2024-05-01T00:{s / 60:00}:{s % 60:00}", ["value"] = s });
            batch[resource] = new JsonObject { ["cpu_util"] = new JsonObject { ["archive_policy_name"] = "high", ["measures"] = measures } };
        }
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/batch/resources/metrics/measures", AdminToken, batch);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), "without create_metrics an unknown metric is refused");
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/batch/resources/metrics/measures?create_metrics=true", AdminToken, batch);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));

        var (_, read, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance/{resources[0]}/metric/cpu_util/measures?refresh=true&granularity=1&aggregation=max", AdminToken);
        Assert.That(read!.AsArray(), Has.Count.EqualTo(120));
        Assert.That(read[119]![0]!.GetValue<string>(), Is.EqualTo("2024-05-01T00:01:59+00:00"));
        Assert.That(read[119]![1]!.GetValue<double>(), Is.EqualTo(1.0));
        var (_, minutes, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance/{resources[0]}/metric/cpu_util/measures?granularity=60&aggregation=sum", AdminToken);
        // Minute 0: 0+…+59 = 1770; minute 1: 60+…+119 = 5370.
        Assert.That(minutes!.AsArray().Select(m => m![2]!.GetValue<double>()), Is.EqualTo(new[] { 1770.0, 5370.0 }));
        var (_, resampled, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance/{resources[0]}/metric/cpu_util/measures?granularity=60&aggregation=sum&resample=3600", AdminToken);
        Assert.That(resampled!.AsArray().Single()![2]!.GetValue<double>(), Is.EqualTo(7140.0));
    }

    [Test]
    public async Task ABatchOfFiftyThousandMeasuresIsAcceptedAndAggregated()
    {
        var (status, metric, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/metric", AdminToken, new JsonObject { ["archive_policy_name"] = "low" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        var id = metric!["id"]!.GetValue<string>();
        var measures = new JsonArray();
        for (var i = 0; i < 50_000; i++)
            measures.Add(new JsonObject { ["timestamp"] = 1_700_000_000.0 + i, ["value"] = 1 });
        // About 2 MB of JSON: far above the host's default limit for a JSON body.
        (status, var body, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/batch/metrics/measures", AdminToken, new JsonObject { [id] = measures });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var (_, read, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/metric/{id}/measures?refresh=true&aggregation=count", AdminToken);
        Assert.That(read!.AsArray().Sum(p => p![2]!.GetValue<double>()), Is.EqualTo(50_000));
    }

    [Test]
    public async Task AggregatesGroupResourcesByAttribute()
    {
        var host = Unique("host");
        var a = await CreateInstanceAsync(AdminToken, "p-a", host, "load");
        var b = await CreateInstanceAsync(AdminToken, "p-a", host, "load");
        var c = await CreateInstanceAsync(AdminToken, "p-b", host, "load");
        var batch = new JsonObject
        {
            [a] = new JsonObject { ["load"] = new JsonArray(new JsonObject { ["timestamp"] = "2024-05-01T00:00:10", ["value"] = 2 }) },
            [b] = new JsonObject { ["load"] = new JsonArray(new JsonObject { ["timestamp"] = "2024-05-01T00:00:20", ["value"] = 4 }) },
            [c] = new JsonObject { ["load"] = new JsonArray(new JsonObject { ["timestamp"] = "2024-05-01T00:00:30", ["value"] = 10 }) },
        };
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/batch/resources/metrics/measures", AdminToken, batch);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        var (aggStatus, groups, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/aggregates?groupby=project_id&granularity=60&refresh=true", AdminToken, new JsonObject
        {
            ["operations"] = "(aggregate sum (metric load mean))",
            ["resource_type"] = "instance",
            ["search"] = $"host = '{host}'",
        });
        Assert.That(aggStatus, Is.EqualTo(HttpStatusCode.OK), groups?.ToJsonString());
        var byProject = groups!.AsArray().ToDictionary(g => g!["group"]!["project_id"]!.GetValue<string>(), g => g!["measures"]!["measures"]!["aggregated"]![0]![2]!.GetValue<double>());
        Assert.That(byProject, Is.EqualTo(new Dictionary<string, double> { ["p-a"] = 6, ["p-b"] = 10 }), groups.ToJsonString());
    }

    [Test]
    public async Task AProjectSeesOnlyItsOwnResourcesAndMetrics()
    {
        var (projectA, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, Unique("pa"), Unique("ua"), "pw-a", "member");
        var (projectB, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, Unique("pb"), Unique("ub"), "pw-b", "member");
        var (_, pa, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/projects/{projectA}", AdminToken);
        var (_, pb, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/projects/{projectB}", AdminToken);
        var (_, users, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/users", AdminToken);
        string UserOf(string prefix) => users!["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()).Last(n => n.StartsWith(prefix, StringComparison.Ordinal));
        var tokenA = await Cloud.TokenAsync(UserOf("ua"), "pw-a", pa!["project"]!["name"]!.GetValue<string>());
        var tokenB = await Cloud.TokenAsync(UserOf("ub"), "pw-b", pb!["project"]!["name"]!.GetValue<string>());

        var resource = await CreateInstanceAsync(tokenA, projectA, "h", "cpu");
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance/{resource}", tokenB);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        var (_, listB, _) = await Cloud.SendAsync(HttpMethod.Get, "/metric/v1/resource/instance", tokenB);
        Assert.That(listB!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Does.Not.Contain(resource));
        var (_, listA, _) = await Cloud.SendAsync(HttpMethod.Get, "/metric/v1/resource/instance", tokenA);
        Assert.That(listA!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Does.Contain(resource));
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/resource/instance", tokenB, new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(), ["project_id"] = projectA, ["host"] = "h", ["display_name"] = "x", ["flavor_id"] = "1",
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        var (_, all, _) = await Cloud.SendAsync(HttpMethod.Get, "/metric/v1/resource/instance", AdminToken);
        Assert.That(all!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Does.Contain(resource));
    }

    [Test]
    public async Task SearchTakesBothFilterForms()
    {
        var host = Unique("search");
        var id = await CreateInstanceAsync(AdminToken, "p-s", host);
        var (_, byString, _) = await Cloud.SendAsync(HttpMethod.Post, $"/metric/v1/search/resource/instance?filter={Uri.EscapeDataString($"host = '{host}' and flavor_id = 1")}", AdminToken);
        var (_, byJson, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/search/resource/instance", AdminToken,
            new JsonObject
            {
                ["and"] = new JsonArray(
                    new JsonObject { ["="] = new JsonObject { ["host"] = host } },
                    new JsonObject { ["like"] = new JsonObject { ["display_name"] = "vm-%" } }),
            });
        Assert.Multiple(() =>
        {
            Assert.That(byString!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Is.EqualTo(new[] { id }));
            Assert.That(byJson!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Is.EqualTo(new[] { id }));
        });
        var (status, fault, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/search/resource/instance?filter=host%20%3D", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["description"]!.GetValue<string>(), Does.StartWith("Invalid filter"));
    }

    [Test]
    public async Task ArchivePoliciesCustomAndInUse()
    {
        var name = Unique("ap");
        var (status, created, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/archive_policy", AdminToken, new JsonObject
        {
            ["name"] = name,
            ["definition"] = new JsonArray(new JsonObject { ["granularity"] = "10s", ["timespan"] = "1 hour" }),
            ["aggregation_methods"] = new JsonArray("mean", "rate:last", "95pct"),
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), created?.ToJsonString());
        Assert.That(created!["definition"]![0]!["points"]!.GetValue<long>(), Is.EqualTo(360));
        Assert.That(created["definition"]![0]!["granularity"]!.GetValue<string>(), Is.EqualTo("0:00:10"));
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/archive_policy", AdminToken, new JsonObject
        {
            ["name"] = Unique("bad"), ["definition"] = new JsonArray(new JsonObject { ["granularity"] = "10s", ["points"] = 5 }), ["aggregation_methods"] = new JsonArray("avg"),
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        var (_, metric, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/metric", AdminToken, new JsonObject { ["archive_policy_name"] = name });
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/metric/v1/archive_policy/{name}", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), "a policy in use stays");
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/metric/v1/metric/{metric!["id"]}", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NoContent));
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/metric/v1/archive_policy/{name}", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NoContent));
    }
}
