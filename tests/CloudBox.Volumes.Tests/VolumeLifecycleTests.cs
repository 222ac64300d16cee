using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

public sealed class VolumeLifecycleTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    [Test]
    public async Task A_new_volume_is_a_sparse_file_of_its_size()
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 2, ["name"] = Unique("v") }))["id"]!.GetValue<string>();
        var volume = await WaitAsync("volumes", id, "available");
        Assert.That(volume["status"]!.GetValue<string>(), Is.EqualTo("available"));
        var file = new FileInfo(VolumeFile(id));
        Assert.That(file.Length, Is.EqualTo(2L << 30));
        Assert.That(volume["bootable"]!.GetValue<string>(), Is.EqualTo("false"));
    }

    [Test]
    public async Task Snapshots_and_clones_keep_the_data_as_it_was()
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", id, "available");
        var original = new byte[8192];
        Random.Shared.NextBytes(original);
        await using (var file = new FileStream(VolumeFile(id), FileMode.Open, FileAccess.Write))
        {
            file.Position = 1 << 20;
            await file.WriteAsync(original);
        }

        var (_, created) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = id, ["name"] = "s" } });
        var snapshotId = created!["snapshot"]!["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("snapshots", snapshotId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));

        // The guest writes on after the snapshot; a volume from the snapshot must not see it.
        await using (var file = new FileStream(VolumeFile(id), FileMode.Open, FileAccess.Write))
        {
            file.Position = 1 << 20;
            await file.WriteAsync(new byte[8192]);
        }
        var fromSnapshot = (await CreateVolumeAsync(new() { ["snapshot_id"] = snapshotId }))["id"]!.GetValue<string>();
        var restored = await WaitAsync("volumes", fromSnapshot, "available");
        Assert.That(restored["size"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(restored["snapshot_id"]!.GetValue<string>(), Is.EqualTo(snapshotId));
        var data = new byte[8192];
        await using (var file = File.OpenRead(VolumeFile(fromSnapshot)))
        {
            file.Position = 1 << 20;
            await file.ReadExactlyAsync(data);
        }
        Assert.That(data, Is.EqualTo(original));
    }

    [Test]
    public async Task Extend_grows_the_file_and_shrinking_is_refused()
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", id, "available");
        var (shrink, fault) = await CallAsync(HttpMethod.Post, $"volumes/{id}/action", new JsonObject { ["os-extend"] = new JsonObject { ["new_size"] = 1 } });
        Assert.That(shrink, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("greater than current size"));

        var (extend, _) = await CallAsync(HttpMethod.Post, $"volumes/{id}/action", new JsonObject { ["os-extend"] = new JsonObject { ["new_size"] = 3 } });
        Assert.That(extend, Is.EqualTo(HttpStatusCode.Accepted));
        var volume = await WaitAsync("volumes", id, "available");
        Assert.That(volume["size"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(new FileInfo(VolumeFile(id)).Length, Is.EqualTo(3L << 30));
    }

    [Test]
    public async Task A_volume_with_snapshots_is_deleted_only_with_cascade()
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", id, "available");
        var (_, created) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = id } });
        await WaitAsync("snapshots", created!["snapshot"]!["id"]!.GetValue<string>(), "available");

        var (refused, _) = await CallAsync(HttpMethod.Delete, $"volumes/{id}");
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        var (cascade, _) = await CallAsync(HttpMethod.Delete, $"volumes/{id}?cascade=true");
        Assert.That(cascade, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitAsync("volumes", id, "gone");
        var (gone, _) = await CallAsync(HttpMethod.Get, $"volumes/{id}");
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(File.Exists(VolumeFile(id)), Is.False);
    }

    [Test]
    public async Task An_in_use_volume_cannot_be_deleted()
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", id, "available");
        await CallAsync(HttpMethod.Post, $"volumes/{id}/action", new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "in-use" } });
        var (refused, body) = await CallAsync(HttpMethod.Delete, $"volumes/{id}");
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("attached"));
    }

    [TestCase("""{"volume": {"size": 0}}""")]
    [TestCase("""{"volume": {"size": "big"}}""")]
    [TestCase("""{"volume": {}}""")]
    [TestCase("""{"volume": {"size": 1, "availability_zone": "mars"}}""")]
    [TestCase("""{"volume": {"size": 1, "snapshot_id": "a", "source_volid": "b"}}""")]
    [TestCase("""{"size": 1}""")]
    public async Task Bad_create_requests_are_400_in_cinders_fault_format(string json)
    {
        var (status, body) = await CallAsync(HttpMethod.Post, "volumes", JsonNode.Parse(json));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body!["badRequest"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
    }

    [Test]
    public async Task An_unknown_type_or_snapshot_is_404()
    {
        var (type, _) = await CallAsync(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["volume_type"] = "nope" } });
        Assert.That(type, Is.EqualTo(HttpStatusCode.NotFound));
        var (snapshot, body) = await CallAsync(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["snapshot_id"] = Guid.NewGuid().ToString() } });
        Assert.That(snapshot, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(body!["itemNotFound"], Is.Not.Null);
    }

    [Test]
    public async Task Microversions_beyond_the_declared_maximum_are_406()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("volumes"));
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("OpenStack-API-Version", "volume 3.70");
        var refused = await Cloud.Client.SendAsync(request);
        Assert.That((int)refused.StatusCode, Is.EqualTo(406));

        using var base30 = new HttpRequestMessage(HttpMethod.Get, Url("volumes"));
        base30.Headers.Add("X-Auth-Token", AdminToken);
        base30.Headers.Add("OpenStack-API-Version", "volume 3.0");
        var served = await Cloud.Client.SendAsync(base30);
        Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(served.Headers.GetValues("OpenStack-API-Version").Single(), Is.EqualTo("volume 3.0"));
    }
}
