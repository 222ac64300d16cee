using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Tests;

/// <summary>Full backups into files under the data directory, restores into an existing or a new volume, refusals, and a backup a crash interrupted.</summary>
public sealed class BackupTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private string BackupFile(string id) => Path.Combine(Cloud.DataDirectory, "volumes", "backups", id + ".raw");

    private async Task WriteAsync(string volumeId, byte[] data)
    {
        await using var file = new FileStream(VolumeFile(volumeId), FileMode.Open, FileAccess.Write);
        file.Position = 1 << 20;
        await file.WriteAsync(data);
    }

    private async Task<byte[]> ReadAsync(string volumeId)
    {
        var data = new byte[4096];
        await using var file = File.OpenRead(VolumeFile(volumeId));
        file.Position = 1 << 20;
        await file.ReadExactlyAsync(data);
        return data;
    }

    private async Task<JsonObject> WaitBackupAsync(string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var (code, body) = await CallAsync(HttpMethod.Get, $"backups/{id}");
            if (code == HttpStatusCode.NotFound && status == "gone")
                return [];
            var backup = body?["backup"]?.AsObject();
            if (backup?["status"]?.GetValue<string>() == status || DateTime.UtcNow > deadline)
                return backup ?? [];
            await Task.Delay(100);
        }
    }

    [Test]
    public async Task A_backup_restores_the_data_into_the_volume_and_into_a_new_one()
    {
        var volumeId = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", volumeId, "available");
        var original = new byte[4096];
        Random.Shared.NextBytes(original);
        await WriteAsync(volumeId, original);

        var (created, body) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId, ["name"] = "nightly" } });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var backupId = body!["backup"]!["id"]!.GetValue<string>();
        var backup = await WaitBackupAsync(backupId, "available");
        Assert.That(backup["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(backup["size"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(backup["volume_id"]!.GetValue<string>(), Is.EqualTo(volumeId));
        Assert.That(File.Exists(BackupFile(backupId)), Is.True);
        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        var (_, listed) = await CallAsync(HttpMethod.Get, "backups/detail");
        Assert.That(listed!["backups"]!.AsArray().Select(b => b!["id"]!.GetValue<string>()), Does.Contain(backupId));

        await WriteAsync(volumeId, new byte[4096]);
        var (restored, answer) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject { ["volume_id"] = volumeId } });
        Assert.That(restored, Is.EqualTo(HttpStatusCode.Accepted), answer?.ToJsonString());
        Assert.That(answer!["restore"]!["volume_id"]!.GetValue<string>(), Is.EqualTo(volumeId));
        await WaitBackupAsync(backupId, "available");
        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(await ReadAsync(volumeId), Is.EqualTo(original));

        var (_, intoNew) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject { ["name"] = "from-backup" } });
        var newId = intoNew!["restore"]!["volume_id"]!.GetValue<string>();
        Assert.That(newId, Is.Not.EqualTo(volumeId));
        var fresh = await WaitAsync("volumes", newId, "available");
        Assert.That(fresh["name"]!.GetValue<string>(), Is.EqualTo("from-backup"));
        Assert.That(await ReadAsync(newId), Is.EqualTo(original));

        var (deleted, _) = await CallAsync(HttpMethod.Delete, $"backups/{backupId}");
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitBackupAsync(backupId, "gone");
        Assert.That(File.Exists(BackupFile(backupId)), Is.False);
    }

    [Test]
    public async Task Backups_refuse_incremental_in_use_without_force_and_a_too_small_target()
    {
        var volumeId = (await CreateVolumeAsync(new() { ["size"] = 2 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", volumeId, "available");
        var (incremental, _) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId, ["incremental"] = true } });
        Assert.That(incremental, Is.EqualTo(HttpStatusCode.BadRequest));

        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-reserve"] = new JsonObject() });
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-attach"] = new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString(), ["mountpoint"] = "/dev/vdb" } });
        var (inUse, _) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId } });
        Assert.That(inUse, Is.EqualTo(HttpStatusCode.BadRequest), "an attached volume needs force");
        var (forced, body) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId, ["force"] = true } });
        Assert.That(forced, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var backupId = body!["backup"]!["id"]!.GetValue<string>();
        await WaitBackupAsync(backupId, "available");
        Assert.That((await WaitAsync("volumes", volumeId, "in-use"))["status"]!.GetValue<string>(), Is.EqualTo("in-use"), "after the backup the volume is attached as before");

        var small = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", small, "available");
        var (tooSmall, _) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject { ["volume_id"] = small } });
        Assert.That(tooSmall, Is.EqualTo(HttpStatusCode.BadRequest));
        var (inUseTarget, _) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject { ["volume_id"] = volumeId } });
        Assert.That(inUseTarget, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_backup_a_crash_interrupted_is_finished_after_a_restart()
    {
        var volumeId = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", volumeId, "available");
        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        await WriteAsync(volumeId, data);
        var (_, body) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId } });
        var backupId = body!["backup"]!["id"]!.GetValue<string>();
        await WaitBackupAsync(backupId, "available");

        await Cloud.RestartAsync(async () =>
        {
            // What a kill -9 during the copy leaves: the rows say creating / backing-up, the file is not there.
            await using var database = Cloud.OpenDatabase();
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync("UPDATE volumes_backups SET status = 'creating' WHERE id = @backupId", new { backupId });
            await connection.ExecuteAsync("UPDATE volumes_volumes SET status = 'backing-up' WHERE id = @volumeId", new { volumeId });
            File.Delete(BackupFile(backupId));
        });
        await RefreshAdminAsync();

        Assert.That((await WaitBackupAsync(backupId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        var copy = new byte[4096];
        await using var file = File.OpenRead(BackupFile(backupId));
        file.Position = 1 << 20;
        await file.ReadExactlyAsync(copy);
        Assert.That(copy, Is.EqualTo(data));
    }
}
