using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Networking;
using CloudBox.Testing;

namespace CloudBox.Telemetry.Tests.Collection;

/// <summary>
/// Floating IPs and routers metered from Networking's events: each becomes its Ceilometer
/// resource (<c>network</c> with <c>ip.floating</c>, <c>router</c> with <c>router</c>) measured 1
/// every poll while it exists, and is ended when it is deleted.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class NetworkMeterTests(DatabaseEngine engine)
{
    private TestCloud _cloud = null!;
    private string _token = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        _cloud = await TestCloud.StartAsync(engine,
            new NetworkingModule(new NetworkSettings { DataPlane = false }),
            new TelemetryModule(new TelemetrySettings { PollInterval = TimeSpan.FromMilliseconds(500), EvaluationInterval = TimeSpan.FromSeconds(1) }));
        _token = await _cloud.AdminTokenAsync();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await _cloud.DisposeAsync();

    private async Task<JsonNode> CreateAsync(string collection, string singular, JsonObject body)
    {
        var (status, created, _) = await _cloud.SendAsync(HttpMethod.Post, "/network/v2.0/" + collection, _token, new JsonObject { [singular] = body });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), created?.ToJsonString());
        return created![singular]!;
    }

    /// <summary>Waits until the resource has at least <paramref name="count"/> measures of <paramref name="metric"/>, all 1; returns the resource.</summary>
    private async Task<JsonNode> WaitForMeasuresAsync(string type, string id, string metric, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (status, resource, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/{type}/{id}", _token);
            if (status == HttpStatusCode.OK)
            {
                var (_, measures, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/{type}/{id}/metric/{metric}/measures?refresh=true&granularity=1", _token);
                last = measures?.ToJsonString() ?? "";
                if (measures is JsonArray points && points.Count >= count)
                {
                    Assert.That(points.Select(p => p![2]!.GetValue<double>()), Is.All.EqualTo(1.0), last);
                    return resource!;
                }
            }
            await Task.Delay(250);
        }
        Assert.Fail($"{type} {id} {metric}: fewer than {count} measures within 30 s (last read {last})");
        return null!;
    }

    private async Task WaitForEndAsync(string type, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var (_, resource, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/{type}/{id}", _token);
            if (resource?["ended_at"] is JsonValue)
                return;
            await Task.Delay(250);
        }
        Assert.Fail($"{type} {id} was not ended within 30 s of its deletion");
    }

    [Test]
    public async Task AFloatingIpAndARouterAreMeteredWhileTheyExistAndEndedWhenDeleted()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var external = await CreateAsync("networks", "network", new JsonObject
        {
            ["name"] = "tm-ext-" + suffix, ["router:external"] = true, ["provider:network_type"] = "local",
        });
        var octet = Random.Shared.Next(0, 250);
        await CreateAsync("subnets", "subnet", new JsonObject
        {
            ["network_id"] = external["id"]!.GetValue<string>(), ["cidr"] = $"100.64.{octet}.0/24", ["ip_version"] = 4, ["enable_dhcp"] = false,
        });
        var router = await CreateAsync("routers", "router", new JsonObject { ["name"] = "tm-router-" + suffix });
        var floating = await CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = external["id"]!.GetValue<string>() });
        var routerId = router["id"]!.GetValue<string>();
        var floatingId = floating["id"]!.GetValue<string>();
        var project = floating["project_id"]!.GetValue<string>();

        // Measured at creation, then again every poll: the series grows while the objects exist.
        var routerResource = await WaitForMeasuresAsync("router", routerId, "router", 3);
        Assert.That(routerResource["name"]!.GetValue<string>(), Is.EqualTo("tm-router-" + suffix));
        Assert.That(routerResource["project_id"]!.GetValue<string>(), Is.EqualTo(project));
        Assert.That(routerResource["ended_at"], Is.Null);
        var floatingResource = await WaitForMeasuresAsync("network", floatingId, "ip.floating", 3);
        Assert.That(floatingResource["project_id"]!.GetValue<string>(), Is.EqualTo(project));
        Assert.That(floatingResource["ended_at"], Is.Null);

        var (status, _, _) = await _cloud.SendAsync(HttpMethod.Delete, "/network/v2.0/floatingips/" + floatingId, _token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NoContent));
        (status, _, _) = await _cloud.SendAsync(HttpMethod.Delete, "/network/v2.0/routers/" + routerId, _token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NoContent));
        await WaitForEndAsync("network", floatingId);
        await WaitForEndAsync("router", routerId);

        // Ended resources are no longer measured: the series stops growing (after a poll that may have listed it just before it ended).
        await Task.Delay(1000);
        var (_, before, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/router/{routerId}/metric/router/measures?refresh=true&granularity=1", _token);
        await Task.Delay(1500);
        var (_, after, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/router/{routerId}/metric/router/measures?refresh=true&granularity=1", _token);
        Assert.That(((JsonArray)after!).Count, Is.EqualTo(((JsonArray)before!).Count));
    }
}
