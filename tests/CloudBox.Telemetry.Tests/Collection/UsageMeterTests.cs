using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Images;
using CloudBox.Objects;
using CloudBox.Testing;
using CloudBox.Volumes;

namespace CloudBox.Telemetry.Tests.Collection;

/// <summary>
/// Volumes, images and object stores metered through the modules' Core interfaces: each becomes
/// its Ceilometer resource with its size measured every poll, and is ended once it is gone.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class UsageMeterTests(DatabaseEngine engine)
{
    private TestCloud _cloud = null!;
    private string _token = "";
    private string _project = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        _cloud = await TestCloud.StartAsync(engine,
            new ImagesModule(),
            new VolumesModule(new VolumesSettings { WorkerPollInterval = TimeSpan.FromMilliseconds(100), CapacityGigabytes = 100 }),
            new ObjectsModule(),
            new TelemetryModule(new TelemetrySettings { PollInterval = TimeSpan.FromMilliseconds(500), EvaluationInterval = TimeSpan.FromSeconds(1) }));
        _token = await _cloud.AdminTokenAsync();
        var (_, project, _) = await _cloud.SendAsync(HttpMethod.Get, "/identity/v3/projects?name=admin", _token);
        _project = project!["projects"]![0]!["id"]!.GetValue<string>();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await _cloud.DisposeAsync();

    /// <summary>Polls until the resource exists and its metric's newest measure satisfies <paramref name="expected"/>; returns the resource.</summary>
    private async Task<JsonNode> WaitForMeasureAsync(string type, string id, string metric, Func<double, bool> expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (status, resource, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/{type}/{id}", _token);
            if (status == HttpStatusCode.OK)
            {
                var (_, measures, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/{type}/{id}/metric/{metric}/measures?refresh=true&granularity=1", _token);
                last = measures?.ToJsonString() ?? "";
                if (measures is JsonArray { Count: > 0 } points && expected(points[^1]![2]!.GetValue<double>()))
                    return resource!;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"{type} {id} {metric}: no matching measure within 30 s (last read {last})");
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
    public async Task AVolumeIsMeteredBySizeAndEndedWhenDeleted()
    {
        var name = "tm-vol-" + Guid.NewGuid().ToString("N")[..6];
        var (status, body, _) = await _cloud.SendAsync(HttpMethod.Post, $"/volume/v3/{_project}/volumes", _token,
            new JsonObject { ["volume"] = new JsonObject { ["size"] = 2, ["name"] = name } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var volume = body!["volume"]!["id"]!.GetValue<string>();
        var resource = await WaitForMeasureAsync("volume", volume, "volume.size", v => v == 2);
        Assert.That(resource["display_name"]!.GetValue<string>(), Is.EqualTo(name));
        Assert.That(resource["project_id"]!.GetValue<string>(), Is.EqualTo(_project));

        // Extended: the next poll measures the new size.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await _cloud.SendAsync(HttpMethod.Get, $"/volume/v3/{_project}/volumes/{volume}", _token)).Body?["volume"]?["status"]?.GetValue<string>() != "available" && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        (status, body, _) = await _cloud.SendAsync(HttpMethod.Post, $"/volume/v3/{_project}/volumes/{volume}/action", _token,
            new JsonObject { ["os-extend"] = new JsonObject { ["new_size"] = 3 } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        await WaitForMeasureAsync("volume", volume, "volume.size", v => v == 3);

        deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await _cloud.SendAsync(HttpMethod.Get, $"/volume/v3/{_project}/volumes/{volume}", _token)).Body?["volume"]?["status"]?.GetValue<string>() != "available" && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        (status, _, _) = await _cloud.SendAsync(HttpMethod.Delete, $"/volume/v3/{_project}/volumes/{volume}", _token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForEndAsync("volume", volume);
    }

    [Test]
    public async Task AnImageIsMeteredByTheBytesOfItsData()
    {
        var data = new byte[12345];
        Random.Shared.NextBytes(data);
        var image = await _cloud.UploadImageAsync(_token, new JsonObject { ["name"] = "tm-image", ["disk_format"] = "raw", ["container_format"] = "bare" }, data);
        var resource = await WaitForMeasureAsync("image", image, "image.size", v => v == 12345);
        Assert.That(resource["name"]!.GetValue<string>(), Is.EqualTo("tm-image"));
        Assert.That(resource["disk_format"]!.GetValue<string>(), Is.EqualTo("raw"));
        var (status, _, _) = await _cloud.SendAsync(HttpMethod.Delete, $"/image/v2/images/{image}", _token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NoContent));
        await WaitForEndAsync("image", image);
    }

    [Test]
    public async Task AProjectsObjectStoreIsMeteredPerAccountAndPerContainer()
    {
        async Task PutAsync(string container, string name, int size)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/object-store/v1/AUTH_{_project}/{container}/{name}") { Content = new ByteArrayContent(new byte[size]) };
            request.Headers.Add("X-Auth-Token", _token);
            using var response = await _cloud.Client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        foreach (var container in new[] { "tm-c1", "tm-c2" })
        {
            var (status, _, _) = await _cloud.SendAsync(HttpMethod.Put, $"/object-store/v1/AUTH_{_project}/{container}", _token);
            Assert.That(status, Is.AnyOf(HttpStatusCode.Created, HttpStatusCode.Accepted));
        }
        await PutAsync("tm-c1", "a", 100);
        await PutAsync("tm-c1", "b", 200);
        await PutAsync("tm-c2", "c", 1000);

        await WaitForMeasureAsync("swift_account", _project, "storage.objects", v => v == 3);
        await WaitForMeasureAsync("swift_account", _project, "storage.objects.size", v => v == 1300);
        await WaitForMeasureAsync("swift_account", _project, "storage.objects.containers", v => v == 2);
        // A container's resource is named project_container, stored (as Gnocchi does for a non-UUID id) under a UUID5 of that name.
        var container1Id = CloudBox.Telemetry.Collection.CollectorResources.StoredId($"{_project}_tm-c1");
        var container1 = await WaitForMeasureAsync("swift_account", container1Id, "storage.containers.objects", v => v == 2);
        Assert.That(container1["original_resource_id"]!.GetValue<string>(), Is.EqualTo($"{_project}_tm-c1"));
        await WaitForMeasureAsync("swift_account", container1Id, "storage.containers.objects.size", v => v == 300);

        // And /metrics shows them labelled by project and container.
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scrape.Headers.Add("X-Auth-Token", _token);
        using var response = await _cloud.Client.SendAsync(scrape);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(text, Does.Contain($"cloudbox_storage_objects_size_bytes{{project_id=\"{_project}\"}} 1300\n"));
        Assert.That(text, Does.Contain($"cloudbox_storage_container_objects{{project_id=\"{_project}\",container=\"tm-c2\"}} 1\n"));
    }
}
