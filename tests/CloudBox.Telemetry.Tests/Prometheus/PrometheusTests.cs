using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Tests.Api;

namespace CloudBox.Telemetry.Tests.Prometheus;

/// <summary><c>GET /metrics</c>: admin only, Prometheus' text format, serve's requests and every server's latest measures with its labels.</summary>
public partial class PrometheusTests(DatabaseEngine engine) : TelemetryFixture(engine)
{
    private async Task<(HttpStatusCode Status, string Body, string? ContentType)> ScrapeAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null)
            request.Headers.Add("X-Auth-Token", token);
        using var response = await Cloud.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString());
    }

    private static string Now(int secondsAgo = 0) =>
        DateTime.UtcNow.AddSeconds(-secondsAgo).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    [Test]
    public async Task WithoutATokenIs401AndForAMemberIs403()
    {
        var (status, body, _) = await ScrapeAsync(null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), body);
        var (projectName, userName) = (Unique("pm"), Unique("um"));
        await Cloud.CreateUserWithRoleAsync(AdminToken, projectName, userName, "pw-m", "member");
        var member = await Cloud.TokenAsync(userName, "pw-m", projectName);
        (status, body, _) = await ScrapeAsync(member);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), body);
    }

    [Test]
    public async Task AServersLatestMeasuresAreLabelledWithItsProjectIdAndName()
    {
        var server = Guid.NewGuid().ToString();
        var name = Unique("vm") + " \"quoted\"";
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/resource/instance", AdminToken, new JsonObject
        {
            ["id"] = server, ["project_id"] = "p-prom", ["host"] = "h1", ["display_name"] = name, ["flavor_id"] = "m1.tiny",
            ["metrics"] = new JsonObject { ["cpu"] = new JsonObject { ["archive_policy_name"] = "high" }, ["memory.usage"] = new JsonObject { ["archive_policy_name"] = "high" } },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/resource/instance_network_interface", AdminToken, new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(), ["project_id"] = "p-prom", ["name"] = "tap-prom0", ["instance_id"] = server,
            ["metrics"] = new JsonObject { ["network.incoming.bytes"] = new JsonObject { ["archive_policy_name"] = "high" } },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        var nic = body!["id"]!.GetValue<string>();
        var batch = new JsonObject
        {
            [server] = new JsonObject
            {
                ["cpu"] = new JsonArray(new JsonObject { ["timestamp"] = Now(20), ["value"] = 1000 }, new JsonObject { ["timestamp"] = Now(10), ["value"] = 2500 }),
                ["memory.usage"] = new JsonArray(new JsonObject { ["timestamp"] = Now(10), ["value"] = 64.5 }),
            },
            [nic] = new JsonObject { ["network.incoming.bytes"] = new JsonArray(new JsonObject { ["timestamp"] = Now(10), ["value"] = 4096 }) },
        };
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/batch/resources/metrics/measures", AdminToken, batch);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        // A read with refresh aggregates the queue.
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance/{server}/metric/cpu/measures?refresh=true", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));

        var (scrape, text, contentType) = await ScrapeAsync(AdminToken);
        Assert.That(scrape, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(contentType, Does.StartWith("text/plain; version=0.0.4"));
        var escaped = name.Replace("\"", "\\\"", StringComparison.Ordinal);
        Assert.That(text, Does.Contain($"cloudbox_server_cpu_nanoseconds_total{{project_id=\"p-prom\",server_id=\"{server}\",name=\"{escaped}\"}} 2500\n"), "the newest cpu measure, not the first");
        Assert.That(text, Does.Contain($"cloudbox_server_memory_usage_megabytes{{project_id=\"p-prom\",server_id=\"{server}\",name=\"{escaped}\"}} 64.5\n"));
        Assert.That(text, Does.Contain($"cloudbox_server_network_incoming_bytes_total{{project_id=\"p-prom\",server_id=\"{server}\",name=\"{escaped}\",interface=\"tap-prom0\"}} 4096\n"),
            "an interface carries its server's id and name");
        Assert.That(text, Does.Contain($"cloudbox_server_info{{project_id=\"p-prom\",server_id=\"{server}\",name=\"{escaped}\",flavor_id=\"m1.tiny\",host=\"h1\"}} 1\n"));

        // An ended server's series go.
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Patch, $"/metric/v1/resource/instance/{server}", AdminToken, new JsonObject { ["ended_at"] = Now(-2) });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        (_, text, _) = await ScrapeAsync(AdminToken);
        Assert.That(text, Does.Not.Contain($"server_id=\"{server}\",name=\"{escaped}\"}} 2500"));
    }

    [Test]
    public async Task AMeasureOlderThanTheStalenessWindowIsLeftOut()
    {
        var server = Guid.NewGuid().ToString();
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/resource/instance", AdminToken, new JsonObject
        {
            ["id"] = server, ["project_id"] = "p-stale", ["host"] = "h1", ["display_name"] = "stale", ["flavor_id"] = "1",
            ["metrics"] = new JsonObject { ["vcpus"] = new JsonObject { ["archive_policy_name"] = "high" } },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/metric/v1/resource/instance/{server}/metric/vcpus/measures", AdminToken,
            new JsonArray(new JsonObject { ["timestamp"] = Now(3600), ["value"] = 2 }));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance/{server}/metric/vcpus/measures?refresh=true", AdminToken);
        var (_, text, _) = await ScrapeAsync(AdminToken);
        Assert.That(text, Does.Contain($"server_id=\"{server}\""), "the server itself is listed");
        Assert.That(text, Does.Not.Contain($"cloudbox_server_vcpus{{project_id=\"p-stale\""), "a stopped server's hour-old figure is not current");
    }

    [Test]
    public async Task ServesOwnRequestsAreCountedByModuleAndRoute()
    {
        for (var i = 0; i < 3; i++)
            Assert.That((await Cloud.SendAsync(HttpMethod.Get, "/metric/v1/archive_policy", AdminToken)).Status, Is.EqualTo(HttpStatusCode.OK));
        var (_, text, _) = await ScrapeAsync(AdminToken);
        var count = Regex.Match(text, @"cloudbox_http_requests_total\{module=""telemetry"",route=""/metric/v1/archive_policy"",method=""GET"",code=""200""\} (\d+)");
        Assert.That(count.Success, text);
        Assert.That(int.Parse(count.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(3));
        var histogram = Regex.Match(text, @"cloudbox_http_request_duration_seconds_count\{module=""telemetry"",route=""/metric/v1/archive_policy"",method=""GET""\} (\d+)");
        Assert.That(histogram.Success, text);
        Assert.That(text, Does.Contain("cloudbox_http_request_duration_seconds_bucket{module=\"telemetry\",route=\"/metric/v1/archive_policy\",method=\"GET\",le=\"+Inf\"}"));
        Assert.That(text, Does.Contain("process_cpu_seconds_total "));
    }

    [Test]
    public async Task TheOutputIsWellFormedExposition()
    {
        var (_, text, _) = await ScrapeAsync(AdminToken);
        var typed = new Dictionary<string, string>();
        string? current = null;
        var finished = new HashSet<string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var type = TypeLine().Match(line);
            if (type.Success)
            {
                Assert.That(typed.TryAdd(type.Groups[1].Value, type.Groups[2].Value), Is.True, $"one TYPE line per family: {line}");
                if (current is not null)
                    finished.Add(current);
                current = type.Groups[1].Value;
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                continue;
            var sample = SampleLine().Match(line);
            Assert.That(sample.Success, Is.True, $"a sample line: {line}");
            var family = sample.Groups[1].Value;
            var owner = typed.Keys.FirstOrDefault(f => family == f || (typed[f] == "histogram" && family.StartsWith(f + "_", StringComparison.Ordinal)));
            Assert.That(owner, Is.EqualTo(current), $"samples of a family are grouped under its TYPE: {line}");
        }
        Assert.That(typed, Does.ContainKey("cloudbox_vms"));
        Assert.That(typed, Does.ContainKey("cloudbox_server_cpu_nanoseconds_total"));
    }

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[""\\n])*"",?)*\})? (NaN|[+-]Inf|-?[0-9.eE+-]+)$")]
    private static partial Regex SampleLine();
}
