using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Networking;
using CloudBox.Testing;

namespace CloudBox.Telemetry.Tests.Collection;

/// <summary>
/// Floating IPs and routers metered from Networking's events: each becomes its Ceilometer
/// resource (<c>network</c> with <c>ip.floating</c>, <c>router</c> with <c>router</c>) measured 1
/// every poll while it exists, and is ended when it is deleted; a port bound to a server is its
/// <c>instance_network_interface</c>, ended when unbound or deleted; and what changed while
/// <c>serve</c> was down is reconciled at its start.
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

    private async Task<(string NetworkId, string Project)> TenantNetworkAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var network = await CreateAsync("networks", "network", new JsonObject { ["name"] = "tm-net-" + suffix });
        await CreateAsync("subnets", "subnet", new JsonObject
        {
            ["network_id"] = network["id"]!.GetValue<string>(), ["cidr"] = $"10.{Random.Shared.Next(1, 250)}.{Random.Shared.Next(0, 250)}.0/24", ["ip_version"] = 4,
        });
        return (network["id"]!.GetValue<string>(), network["project_id"]!.GetValue<string>());
    }

    /// <summary>A port bound to <paramref name="serverId"/> as Compute binds one (device_owner compute:nova).</summary>
    private async Task<string> BoundPortAsync(string networkId, string serverId) =>
        (await CreateAsync("ports", "port", new JsonObject { ["network_id"] = networkId, ["device_id"] = serverId, ["device_owner"] = "compute:nova" }))["id"]!.GetValue<string>();

    /// <summary>The server's <c>instance_network_interface</c> resources (ended ones too), by Gnocchi's search.</summary>
    private async Task<JsonArray> InterfacesOfAsync(string serverId)
    {
        var (status, found, _) = await _cloud.SendAsync(HttpMethod.Post, "/metric/v1/search/resource/instance_network_interface", _token,
            new JsonObject { ["="] = new JsonObject { ["instance_id"] = serverId } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), found?.ToJsonString());
        return (JsonArray)found!;
    }

    private async Task<JsonNode> WaitForInterfaceAsync(string serverId, string tap, bool ended)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var found = await InterfacesOfAsync(serverId);
            last = found.ToJsonString();
            var nic = found.FirstOrDefault(r => r!["name"]?.GetValue<string>() == tap);
            if (nic is not null && (nic["ended_at"] is JsonValue) == ended)
                return nic;
            await Task.Delay(250);
        }
        Assert.Fail($"no {(ended ? "ended" : "live")} interface {tap} of {serverId} within 30 s (last search {last})");
        return null!;
    }

    private static string Tap(string portId) => "tap" + portId[..11];

    [Test]
    public async Task APortBoundToAServerIsAnInstanceNetworkInterfaceEndedWhenUnboundOrDeleted()
    {
        var (networkId, project) = await TenantNetworkAsync();
        var serverId = Guid.NewGuid().ToString();
        var unbound = await BoundPortAsync(networkId, serverId);
        var deleted = await BoundPortAsync(networkId, serverId);
        // A port no server holds is no interface.
        await CreateAsync("ports", "port", new JsonObject { ["network_id"] = networkId });

        var nic = await WaitForInterfaceAsync(serverId, Tap(unbound), ended: false);
        Assert.That(nic["original_resource_id"]!.GetValue<string>(), Is.EqualTo($"instance-{serverId[..8]}-{serverId}-{Tap(unbound)}"), "Ceilometer's id");
        Assert.That(nic["instance_id"]!.GetValue<string>(), Is.EqualTo(serverId));
        Assert.That(nic["project_id"]!.GetValue<string>(), Is.EqualTo(project));
        Assert.That(((JsonObject)nic["metrics"]!).Select(m => m.Key),
            Is.SupersetOf(new[] { "network.incoming.bytes", "network.outgoing.bytes", "network.incoming.packets", "network.outgoing.packets" }));
        await WaitForInterfaceAsync(serverId, Tap(deleted), ended: false);
        Assert.That(await InterfacesOfAsync(serverId), Has.Count.EqualTo(2));

        var (status, body, _) = await _cloud.SendAsync(HttpMethod.Put, "/network/v2.0/ports/" + unbound, _token,
            new JsonObject { ["port"] = new JsonObject { ["device_id"] = "", ["device_owner"] = "" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        (status, _, _) = await _cloud.SendAsync(HttpMethod.Delete, "/network/v2.0/ports/" + deleted, _token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NoContent));
        await WaitForInterfaceAsync(serverId, Tap(unbound), ended: true);
        await WaitForInterfaceAsync(serverId, Tap(deleted), ended: true);
    }

    /// <summary>Copies a row of a Networking table under a new id (and name or device), as if made while serve was down.</summary>
    private static async Task CopyRowAsync(CloudBox.Core.Data.Database database, string table, string id, string newId, Action<JsonObject> change)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        string body;
        string? projectId;
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT body, project_id FROM {table} WHERE id = '{id}'";
            await using var reader = await read.ExecuteReaderAsync();
            Assert.That(await reader.ReadAsync(), Is.True, $"{table} {id}");
            body = reader.GetString(0);
            projectId = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        var copy = JsonNode.Parse(body)!.AsObject();
        copy["id"] = newId;
        change(copy);
        await using var insert = connection.CreateCommand();
        insert.CommandText = $"INSERT INTO {table} (id, project_id, parent_id, created_at, body) VALUES ('{newId}', '{projectId}', NULL, '2026-01-01T00:00:00', @body)";
        var parameter = insert.CreateParameter();
        parameter.ParameterName = "body";
        parameter.Value = copy.ToJsonString();
        insert.Parameters.Add(parameter);
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task DeleteRowAsync(CloudBox.Core.Data.Database database, string table, string id)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var delete = connection.CreateCommand();
        delete.CommandText = $"DELETE FROM {table} WHERE id = '{id}'";
        Assert.That(await delete.ExecuteNonQueryAsync(), Is.EqualTo(1), $"{table} {id}");
    }

    private async Task<JsonNode?> ResourceAsync(string type, string id)
    {
        var (status, resource, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/{type}/{id}", _token);
        return status == HttpStatusCode.OK ? resource : null;
    }

    [Test]
    public async Task RoutersAndPortsMadeOrDeletedWhileServeWasDownAreReconciledAtStart()
    {
        var (networkId, _) = await TenantNetworkAsync();
        var kept = (await CreateAsync("routers", "router", new JsonObject { ["name"] = "tm-kept" }))["id"]!.GetValue<string>();
        var gone = (await CreateAsync("routers", "router", new JsonObject { ["name"] = "tm-gone" }))["id"]!.GetValue<string>();
        var serverId = Guid.NewGuid().ToString();
        var keptPort = await BoundPortAsync(networkId, serverId);
        var gonePort = await BoundPortAsync(networkId, serverId);
        await WaitForMeasuresAsync("router", kept, "router", 1);
        await WaitForMeasuresAsync("router", gone, "router", 1);
        await WaitForInterfaceAsync(serverId, Tap(keptPort), ended: false);
        await WaitForInterfaceAsync(serverId, Tap(gonePort), ended: false);

        // While serve is down a router and a port are deleted and others made, behind the event stream's back.
        var made = Guid.NewGuid().ToString();
        var madePort = Guid.NewGuid().ToString();
        var madeServer = Guid.NewGuid().ToString();
        await _cloud.RestartAsync(async () =>
        {
            var database = _cloud.OpenDatabase();
            await DeleteRowAsync(database, "network_routers", gone);
            await DeleteRowAsync(database, "network_ports", gonePort);
            await CopyRowAsync(database, "network_routers", kept, made, r => r["name"] = "tm-made");
            await CopyRowAsync(database, "network_ports", keptPort, madePort, p => p["device_id"] = madeServer);
        });
        _token = await _cloud.AdminTokenAsync();

        var madeRouter = await WaitForMeasuresAsync("router", made, "router", 1);
        Assert.That(madeRouter["name"]!.GetValue<string>(), Is.EqualTo("tm-made"));
        await WaitForEndAsync("router", gone);
        await WaitForInterfaceAsync(madeServer, Tap(madePort), ended: false);
        await WaitForInterfaceAsync(serverId, Tap(gonePort), ended: true);
        Assert.That((await ResourceAsync("router", kept))!["ended_at"], Is.Null);
        Assert.That((await WaitForInterfaceAsync(serverId, Tap(keptPort), ended: false))["ended_at"], Is.Null);

        // Again, with nothing changed: nothing is created, ended or revised.
        var before = new[] { await ResourceAsync("router", kept), await ResourceAsync("router", made), await ResourceAsync("router", gone) }
            .Select(r => (r!["revision_start"]!.GetValue<string>(), r["ended_at"]?.GetValue<string>())).ToList();
        var interfacesBefore = (await InterfacesOfAsync(serverId)).Concat(await InterfacesOfAsync(madeServer))
            .Select(r => (r!["id"]!.GetValue<string>(), r["revision_start"]!.GetValue<string>(), r["ended_at"]?.GetValue<string>())).OrderBy(r => r.Item1).ToList();
        await _cloud.RestartAsync();
        _token = await _cloud.AdminTokenAsync();
        await Task.Delay(2000);
        var after = new[] { await ResourceAsync("router", kept), await ResourceAsync("router", made), await ResourceAsync("router", gone) }
            .Select(r => (r!["revision_start"]!.GetValue<string>(), r["ended_at"]?.GetValue<string>())).ToList();
        var interfacesAfter = (await InterfacesOfAsync(serverId)).Concat(await InterfacesOfAsync(madeServer))
            .Select(r => (r!["id"]!.GetValue<string>(), r["revision_start"]!.GetValue<string>(), r["ended_at"]?.GetValue<string>())).OrderBy(r => r.Item1).ToList();
        Assert.That(after, Is.EqualTo(before));
        Assert.That(interfacesAfter, Is.EqualTo(interfacesBefore));
    }
}
