using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Tests;

/// <summary>Revert to snapshot (3.40): the volume's data becomes its latest snapshot's, under Cinder's conditions, even across a crash.</summary>
public sealed class RevertTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> RevertAsync(string volumeId, string snapshotId, string version = "3.40")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url($"volumes/{volumeId}/action"));
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("OpenStack-API-Version", "volume " + version);
        request.Content = JsonContent.Create(new JsonObject { ["revert"] = new JsonObject { ["snapshot_id"] = snapshotId } });
        using var response = await Cloud.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private async Task<string> AvailableVolumeAsync()
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", id, "available");
        return id;
    }

    private async Task<string> SnapshotAsync(string volumeId)
    {
        var (_, created) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = volumeId } });
        var id = created!["snapshot"]!["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("snapshots", id, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        return id;
    }

    private async Task WriteAsync(string volumeId, byte[] data)
    {
        await using var file = new FileStream(VolumeFile(volumeId), FileMode.Open, FileAccess.Write);
        file.Position = 4096;
        await file.WriteAsync(data);
    }

    private async Task<byte[]> ReadAsync(string volumeId)
    {
        var data = new byte[4096];
        await using var file = File.OpenRead(VolumeFile(volumeId));
        file.Position = 4096;
        await file.ReadExactlyAsync(data);
        return data;
    }

    private static byte[] RandomBlock()
    {
        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        return data;
    }

    [Test]
    public async Task A_volume_reverted_to_its_latest_snapshot_holds_the_snapshots_data_again()
    {
        var volumeId = await AvailableVolumeAsync();
        var atSnapshot = RandomBlock();
        await WriteAsync(volumeId, atSnapshot);
        var snapshotId = await SnapshotAsync(volumeId);
        await WriteAsync(volumeId, RandomBlock());

        var (tooOld, _) = await RevertAsync(volumeId, snapshotId, "3.39");
        Assert.That(tooOld, Is.EqualTo(HttpStatusCode.NotFound), "revert starts at 3.40");
        var (status, body) = await RevertAsync(volumeId, snapshotId);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That((await WaitAsync("snapshots", snapshotId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(await ReadAsync(volumeId), Is.EqualTo(atSnapshot));
    }

    [Test]
    public async Task Reverting_is_refused_to_an_older_snapshot_after_an_extend_and_for_an_attached_volume()
    {
        var volumeId = await AvailableVolumeAsync();
        var older = await SnapshotAsync(volumeId);
        var latest = await SnapshotAsync(volumeId);

        var (notLatest, fault) = await RevertAsync(volumeId, older);
        Assert.That(notLatest, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("not the latest one"));

        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-reserve"] = new JsonObject() });
        var (reserved, why) = await RevertAsync(volumeId, latest);
        Assert.That(reserved, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(why!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("must be available"));
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-unreserve"] = new JsonObject() });
        await WaitAsync("volumes", volumeId, "available");

        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-extend"] = new JsonObject { ["new_size"] = 2 } });
        await WaitAsync("volumes", volumeId, "available");
        var (grown, sizes) = await RevertAsync(volumeId, latest);
        Assert.That(grown, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(sizes!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("The volume size must be equal to the snapshot size"));
    }

    [Test]
    public async Task A_revert_a_crash_interrupted_is_finished_after_a_restart()
    {
        var volumeId = await AvailableVolumeAsync();
        var atSnapshot = RandomBlock();
        await WriteAsync(volumeId, atSnapshot);
        var snapshotId = await SnapshotAsync(volumeId);
        var later = RandomBlock();
        await WriteAsync(volumeId, later);

        await Cloud.RestartAsync(async () =>
        {
            // What a kill -9 before the copy leaves: the rows say reverting / restoring, the volume has its newer data.
            await using var database = Cloud.OpenDatabase();
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync("UPDATE volumes_volumes SET status = 'reverting' WHERE id = @volumeId", new { volumeId });
            await connection.ExecuteAsync("UPDATE volumes_snapshots SET status = 'restoring' WHERE id = @snapshotId", new { snapshotId });
        });
        await RefreshAdminAsync();

        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That((await WaitAsync("snapshots", snapshotId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(await ReadAsync(volumeId), Is.EqualTo(atSnapshot));
    }
}
