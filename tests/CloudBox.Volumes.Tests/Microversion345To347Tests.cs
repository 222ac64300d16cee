using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

/// <summary>What microversions 3.45 to 3.47 bring: <c>count</c> in lists, volumes from Nova's volume-backed images, volumes from backups.</summary>
public sealed class Microversion345To347Tests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> AtAsync(string version, HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, Url(path));
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("OpenStack-API-Version", "volume " + version);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await Cloud.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private async Task<string> AvailableVolumeAsync()
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", id, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        return id;
    }

    private async Task WriteAsync(string volumeId, byte[] data)
    {
        await using var file = new FileStream(VolumeFile(volumeId), FileMode.Open, FileAccess.Write);
        file.Position = 1 << 20;
        await file.WriteAsync(data);
    }

    private async Task<byte[]> ReadAsync(string path)
    {
        var data = new byte[4096];
        await using var file = File.OpenRead(path);
        file.Position = 1 << 20;
        await file.ReadExactlyAsync(data);
        return data;
    }

    [Test]
    public async Task Lists_give_the_count_of_all_matching_items_with_count_from_3_45()
    {
        var (project, token) = await NewMemberAsync();
        for (var i = 0; i < 3; i++)
        {
            var id = (await CreateVolumeAsync(new() { ["size"] = 1 }, token, project))["id"]!.GetValue<string>();
            await WaitAsync("volumes", id, "available", token, project);
        }
        var (_, page) = await AtAsync("3.45", HttpMethod.Get, $"volumes/detail?with_count=true&limit=1&all_tenants=true&name=no-such-name");
        Assert.That(page!["count"]!.GetValue<int>(), Is.EqualTo(0), "the filters count");
        var (_, own) = await CallAsync(HttpMethod.Get, "volumes", token: token, project: project);
        Assert.That(own!.AsObject().ContainsKey("count"), Is.False, "no count below 3.45");

        using var request = new HttpRequestMessage(HttpMethod.Get, Url("volumes?with_count=true&limit=2", project));
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("OpenStack-API-Version", "volume 3.45");
        using var response = await Cloud.Client.SendAsync(request);
        var listed = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(listed["volumes"]!.AsArray(), Has.Count.EqualTo(2));
        Assert.That(listed["count"]!.GetValue<int>(), Is.EqualTo(3), "count is over all pages");

        var (_, snapshots) = await AtAsync("3.45", HttpMethod.Get, "snapshots/detail?with_count=true");
        Assert.That(snapshots!["count"]!.GetValue<int>(), Is.EqualTo(snapshots["snapshots"]!.AsArray().Count));
        var (_, backups) = await AtAsync("3.45", HttpMethod.Get, "backups?with_count=true");
        Assert.That(backups!["count"]!.GetValue<int>(), Is.EqualTo(backups["backups"]!.AsArray().Count));
        var (_, withoutAsking) = await AtAsync("3.45", HttpMethod.Get, "backups");
        Assert.That(withoutAsking!.AsObject().ContainsKey("count"), Is.False);
    }

    [Test]
    public async Task A_volume_created_from_a_backup_at_3_47_holds_the_backups_data()
    {
        var sourceId = await AvailableVolumeAsync();
        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        await WriteAsync(sourceId, data);
        var (_, created) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = sourceId } });
        var backupId = created!["backup"]!["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("backups", backupId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));

        var (tooSmall, fault) = await AtAsync("3.47", HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["backup_id"] = backupId, ["size"] = 0 } });
        Assert.That(tooSmall, Is.EqualTo(HttpStatusCode.BadRequest), fault?.ToJsonString());
        var (missing, _) = await AtAsync("3.47", HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["backup_id"] = Guid.NewGuid().ToString() } });
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));

        var (status, body) = await AtAsync("3.47", HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["backup_id"] = backupId, ["size"] = 2, ["name"] = "from-backup" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var volumeId = body!["volume"]!["id"]!.GetValue<string>();
        var volume = await WaitAsync("volumes", volumeId, "available");
        Assert.That(volume["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(volume["size"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(new FileInfo(VolumeFile(volumeId)).Length, Is.EqualTo(2L << 30));
        Assert.That(await ReadAsync(VolumeFile(volumeId)), Is.EqualTo(data));
        Assert.That((await WaitAsync("backups", backupId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
    }

    [Test]
    public async Task A_volume_created_at_3_46_from_a_nova_image_of_a_volume_backed_server_is_made_from_its_snapshot()
    {
        var sourceId = await AvailableVolumeAsync();
        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        await WriteAsync(sourceId, data);
        var (_, created) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = sourceId } });
        var snapshotId = created!["snapshot"]!["id"]!.GetValue<string>();
        await WaitAsync("snapshots", snapshotId, "available");
        var mapping = new JsonArray(new JsonObject
        {
            ["boot_index"] = 0, ["source_type"] = "snapshot", ["destination_type"] = "volume", ["snapshot_id"] = snapshotId, ["volume_size"] = 1,
            ["device_name"] = "/dev/vda", ["delete_on_termination"] = false,
        });
        var imageId = await Cloud.UploadImageAsync(AdminToken, new JsonObject
        {
            ["name"] = Unique("nova-snap"), ["disk_format"] = "raw", ["container_format"] = "bare",
            ["bdm_v2"] = "True", ["root_device_name"] = "/dev/vda", ["block_device_mapping"] = mapping.ToJsonString(),
        }, []);

        var (status, body) = await AtAsync("3.46", HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["imageRef"] = imageId } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        Assert.That(body!["volume"]!["snapshot_id"]!.GetValue<string>(), Is.EqualTo(snapshotId));
        var volumeId = body["volume"]!["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(await ReadAsync(VolumeFile(volumeId)), Is.EqualTo(data), "the volume holds the snapshot's data");
    }
}
