using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Tests;

/// <summary>
/// What a backup user relies on, whichever store holds the chunks: full backups restore the data,
/// incremental backups store only what changed and restore the whole volume, a backup a crash
/// interrupted is finished after the restart. Run by <see cref="FileBackupTests"/> and <see cref="SwiftBackupTests"/>.
/// </summary>
public abstract class BackupScenarios(DatabaseEngine engine) : VolumesFixture(engine)
{
    /// <summary>The names of the objects in the project's container, as the backing store lists them.</summary>
    protected abstract Task<IReadOnlyList<string>> StoredObjectsAsync(string project, string container);

    /// <summary>Removes one stored object behind the cloud's back (what a crash before it was written leaves).</summary>
    protected abstract Task RemoveObjectAsync(string project, string container, string name);

    protected abstract string ExpectedBackend { get; }

    protected async Task WriteAsync(string volumeId, long offset, byte[] data)
    {
        await using var file = new FileStream(VolumeFile(volumeId), FileMode.Open, FileAccess.Write);
        file.Position = offset;
        await file.WriteAsync(data);
    }

    protected async Task<byte[]> ReadAsync(string volumeId, long offset, int length = 4096)
    {
        var data = new byte[length];
        await using var file = File.OpenRead(VolumeFile(volumeId));
        file.Position = offset;
        await file.ReadExactlyAsync(data);
        return data;
    }

    protected static byte[] RandomBlock()
    {
        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        return data;
    }

    protected async Task<string> NewVolumeAsync(int sizeGb, string? token = null, string? project = null)
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = sizeGb }, token, project))["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", id, "available", token, project))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        return id;
    }

    protected async Task<string> BackUpAsync(JsonObject backup, string? token = null, string? project = null)
    {
        var (status, body) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = backup }, token, project);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["backup"]!["id"]!.GetValue<string>();
        var done = await WaitAsync("backups", id, "available", token, project);
        Assert.That(done["status"]!.GetValue<string>(), Is.EqualTo("available"), done.ToJsonString());
        // The worker lets go of the volume just after it marks the backup available.
        var volumeId = backup["volume_id"]!.GetValue<string>();
        for (var i = 0; i < 100 && (await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: token, project: project)).Body!["volume"]!["status"]!.GetValue<string>() == "backing-up"; i++)
            await Task.Delay(100);
        return id;
    }

    protected async Task<JsonObject> ShowBackupAsync(string id, string? token = null, string? project = null) =>
        (await CallAsync(HttpMethod.Get, $"backups/{id}", token: token, project: project)).Body!["backup"]!.AsObject();

    [Test]
    public async Task A_full_backup_is_stored_as_chunks_and_restores_into_the_volume_and_into_a_new_one()
    {
        var volumeId = await NewVolumeAsync(1);
        var original = RandomBlock();
        await WriteAsync(volumeId, 1 << 20, original);

        var backupId = await BackUpAsync(new JsonObject { ["volume_id"] = volumeId, ["name"] = "nightly" });
        var backup = await ShowBackupAsync(backupId);
        Assert.That(backup["size"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(backup["container"]!.GetValue<string>(), Is.EqualTo("volumebackups"));
        Assert.That(backup["object_count"]!.GetValue<int>(), Is.EqualTo(1), "one chunk holds data; the all-zero rest of the volume is not stored");
        Assert.That(backup["is_incremental"]!.GetValue<bool>(), Is.False);
        var stored = (await StoredObjectsAsync(AdminProject, "volumebackups")).Where(n => n.Contains(backupId)).ToList();
        Assert.That(stored, Has.Count.EqualTo(2), string.Join(", ", stored));
        Assert.That(stored, Has.One.EndsWith("_metadata"));
        Assert.That(stored, Has.One.StartsWith($"volume_{volumeId}/").And.EndsWith($"az_nova_backup_{backupId}-00002"), "the chunk at 1 MiB is the second");
        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));

        await WriteAsync(volumeId, 1 << 20, new byte[4096]);
        var (restored, answer) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject { ["volume_id"] = volumeId } });
        Assert.That(restored, Is.EqualTo(HttpStatusCode.Accepted), answer?.ToJsonString());
        await WaitAsync("backups", backupId, "available");
        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(await ReadAsync(volumeId, 1 << 20), Is.EqualTo(original));

        var (_, intoNew) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject { ["name"] = "from-backup" } });
        var newId = intoNew!["restore"]!["volume_id"]!.GetValue<string>();
        var fresh = await WaitAsync("volumes", newId, "available");
        Assert.That(fresh["name"]!.GetValue<string>(), Is.EqualTo("from-backup"));
        Assert.That(await ReadAsync(newId, 1 << 20), Is.EqualTo(original));
        Assert.That(await ReadAsync(newId, 0), Is.EqualTo(new byte[4096]), "chunks that were not stored restore as zeros");

        var (deleted, _) = await CallAsync(HttpMethod.Delete, $"backups/{backupId}");
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitAsync("backups", backupId, "gone");
        Assert.That((await StoredObjectsAsync(AdminProject, "volumebackups")).Where(n => n.Contains(backupId)), Is.Empty);
    }

    [Test]
    public async Task An_incremental_backup_stores_only_changed_chunks_and_keeps_its_base_from_being_deleted()
    {
        var volumeId = await NewVolumeAsync(1);
        var first = RandomBlock();
        var second = RandomBlock();
        var third = RandomBlock();
        await WriteAsync(volumeId, 0, first);
        await WriteAsync(volumeId, 3L << 20, second);
        var fullId = await BackUpAsync(new JsonObject { ["volume_id"] = volumeId, ["container"] = "inc-" + ExpectedBackend });
        Assert.That((await ShowBackupAsync(fullId))["object_count"]!.GetValue<int>(), Is.EqualTo(2));

        await WriteAsync(volumeId, 3L << 20, third);
        var incrementalId = await BackUpAsync(new JsonObject { ["volume_id"] = volumeId, ["incremental"] = true, ["container"] = "inc-" + ExpectedBackend });
        var incremental = await ShowBackupAsync(incrementalId);
        Assert.That(incremental["is_incremental"]!.GetValue<bool>(), Is.True);
        Assert.That(incremental["object_count"]!.GetValue<int>(), Is.EqualTo(1), "only the changed chunk is stored again");
        Assert.That((await ShowBackupAsync(fullId))["has_dependent_backups"]!.GetValue<bool>(), Is.True);
        Assert.That(incremental["has_dependent_backups"]!.GetValue<bool>(), Is.False);

        var (refused, fault) = await CallAsync(HttpMethod.Delete, $"backups/{fullId}");
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("Incremental backups exist for this backup"));

        var (_, intoNew) = await CallAsync(HttpMethod.Post, $"backups/{incrementalId}/restore", new JsonObject { ["restore"] = new JsonObject() });
        var newId = intoNew!["restore"]!["volume_id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", newId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(await ReadAsync(newId, 0), Is.EqualTo(first), "the unchanged chunk comes from the full backup");
        Assert.That(await ReadAsync(newId, 3L << 20), Is.EqualTo(third), "the changed chunk comes from the incremental one");

        var (_, intoFullNew) = await CallAsync(HttpMethod.Post, $"backups/{fullId}/restore", new JsonObject { ["restore"] = new JsonObject() });
        var fromFull = intoFullNew!["restore"]!["volume_id"]!.GetValue<string>();
        await WaitAsync("volumes", fromFull, "available");
        Assert.That(await ReadAsync(fromFull, 3L << 20), Is.EqualTo(second), "the full backup still holds the older data");

        Assert.That((await CallAsync(HttpMethod.Delete, $"backups/{incrementalId}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitAsync("backups", incrementalId, "gone");
        Assert.That((await CallAsync(HttpMethod.Delete, $"backups/{fullId}")).Status, Is.EqualTo(HttpStatusCode.Accepted), "without dependents the base can go");
        await WaitAsync("backups", fullId, "gone");
        Assert.That(await StoredObjectsAsync(AdminProject, "inc-" + ExpectedBackend), Is.Empty);
    }

    [Test]
    public async Task A_backup_of_a_snapshot_holds_the_snapshots_data_and_an_incremental_one_builds_on_the_latest_backup()
    {
        // In a member's own project: the admin project's volume quota is shared by the other scenarios.
        var (project, token) = await NewMemberAsync();
        var volumeId = await NewVolumeAsync(1, token, project);
        var before = RandomBlock();
        await WriteAsync(volumeId, 2L << 20, before);
        var fullId = await BackUpAsync(new JsonObject { ["volume_id"] = volumeId, ["container"] = "snap-" + ExpectedBackend }, token, project);

        var atSnapshot = RandomBlock();
        await WriteAsync(volumeId, 2L << 20, atSnapshot);
        var (_, created) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = volumeId } }, token, project);
        var snapshotId = created!["snapshot"]!["id"]!.GetValue<string>();
        await WaitAsync("snapshots", snapshotId, "available", token, project);
        // The live volume moves on; the backup must hold what the snapshot holds.
        var afterSnapshot = RandomBlock();
        await WriteAsync(volumeId, 2L << 20, afterSnapshot);
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-reserve"] = new JsonObject() }, token, project);
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-attach"] = new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString(), ["mountpoint"] = "/dev/vdb" } }, token, project);

        var (status, body) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject
        {
            ["volume_id"] = volumeId, ["snapshot_id"] = snapshotId, ["incremental"] = true, ["container"] = "snap-" + ExpectedBackend,
        } }, token, project);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var backupId = body!["backup"]!["id"]!.GetValue<string>();
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: token, project: project)).Body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("in-use"),
            "a backup of a snapshot leaves the attached volume alone (and needs no force)");
        Assert.That((await WaitAsync("backups", backupId, "available", token, project))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That((await WaitAsync("snapshots", snapshotId, "available", token, project))["status"]!.GetValue<string>(), Is.EqualTo("available"), "the snapshot is let go");

        var backup = await ShowBackupAsync(backupId, token, project);
        Assert.That(backup["snapshot_id"]!.GetValue<string>(), Is.EqualTo(snapshotId));
        Assert.That(backup["is_incremental"]!.GetValue<bool>(), Is.True);
        Assert.That(backup["object_count"]!.GetValue<int>(), Is.EqualTo(1), "only the chunk that changed since the full backup is stored");
        Assert.That((await ShowBackupAsync(fullId, token, project))["has_dependent_backups"]!.GetValue<bool>(), Is.True);
        var (_, snapshotShown) = await CallAsync(HttpMethod.Get, $"snapshots/{snapshotId}", token: token, project: project);
        Assert.That(backup["data_timestamp"]!.GetValue<string>(), Is.EqualTo(snapshotShown!["snapshot"]!["created_at"]!.GetValue<string>()), "the data is from the snapshot's time");

        var (_, intoNew) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject() }, token, project);
        var newId = intoNew!["restore"]!["volume_id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", newId, "available", token, project))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(await ReadAsync(newId, 2L << 20), Is.EqualTo(atSnapshot), "the restored data is the snapshot's, not the live volume's");

        // An incremental backup of the volume itself builds on the latest backup, the one of the snapshot.
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-detach"] = new JsonObject() }, token, project);
        await WaitAsync("volumes", volumeId, "available", token, project);
        var laterId = await BackUpAsync(new JsonObject { ["volume_id"] = volumeId, ["incremental"] = true, ["container"] = "snap-" + ExpectedBackend }, token, project);
        Assert.That((await ShowBackupAsync(backupId, token, project))["has_dependent_backups"]!.GetValue<bool>(), Is.True);
        Assert.That((await ShowBackupAsync(laterId, token, project))["snapshot_id"], Is.Null);
    }

    [Test]
    public async Task A_backup_of_a_snapshot_is_refused_for_another_volumes_snapshot_and_a_missing_one()
    {
        var (project, token) = await NewMemberAsync();
        var volumeId = await NewVolumeAsync(1, token, project);
        var otherId = await NewVolumeAsync(1, token, project);
        var (_, created) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = otherId } }, token, project);
        var snapshotId = created!["snapshot"]!["id"]!.GetValue<string>();
        await WaitAsync("snapshots", snapshotId, "available", token, project);

        var (mismatch, fault) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId, ["snapshot_id"] = snapshotId } }, token, project);
        Assert.That(mismatch, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("does not match with snapshot.volume_id"));
        var (missing, _) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = otherId, ["snapshot_id"] = Guid.NewGuid().ToString() } }, token, project);
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_backup_a_crash_interrupted_is_finished_after_a_restart()
    {
        var volumeId = await NewVolumeAsync(1);
        var data = RandomBlock();
        await WriteAsync(volumeId, 1 << 20, data);
        var backupId = await BackUpAsync(new JsonObject { ["volume_id"] = volumeId, ["container"] = "crash-" + ExpectedBackend });
        var metadata = (await StoredObjectsAsync(AdminProject, "crash-" + ExpectedBackend)).Single(n => n.EndsWith("_metadata"));

        // What a kill -9 during the backup leaves: the metadata object was never written, the rows say creating / backing-up.
        await RemoveObjectAsync(AdminProject, "crash-" + ExpectedBackend, metadata);
        await Cloud.RestartAsync(async () =>
        {
            await using var database = Cloud.OpenDatabase();
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync("UPDATE volumes_backups SET status = 'creating' WHERE id = @backupId", new { backupId });
            await connection.ExecuteAsync("UPDATE volumes_volumes SET status = 'backing-up' WHERE id = @volumeId", new { volumeId });
        });
        await RefreshAdminAsync();

        Assert.That((await WaitAsync("backups", backupId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That((await WaitAsync("volumes", volumeId, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(await StoredObjectsAsync(AdminProject, "crash-" + ExpectedBackend), Does.Contain(metadata));
        var (_, intoNew) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject() });
        var newId = intoNew!["restore"]!["volume_id"]!.GetValue<string>();
        await WaitAsync("volumes", newId, "available");
        Assert.That(await ReadAsync(newId, 1 << 20), Is.EqualTo(data));
    }
}
