using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

/// <summary>Backups into files under the data directory (no object store in this cloud), refusals and backup quotas.</summary>
public sealed class FileBackupTests(DatabaseEngine engine) : BackupScenarios(engine)
{
    protected override string ExpectedBackend => "file";

    private string ContainerDirectory(string project, string container) => Path.Combine(Cloud.DataDirectory, "volumes", "backups", project, container);

    protected override Task<IReadOnlyList<string>> StoredObjectsAsync(string project, string container)
    {
        var directory = ContainerDirectory(project, container);
        IReadOnlyList<string> names = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/')).ToList()
            : [];
        return Task.FromResult(names);
    }

    protected override Task RemoveObjectAsync(string project, string container, string name)
    {
        File.Delete(Path.Combine(ContainerDirectory(project, container), name));
        return Task.CompletedTask;
    }

    [Test]
    public async Task Backups_refuse_a_first_incremental_in_use_without_force_a_bad_container_and_a_too_small_target()
    {
        var volumeId = await NewVolumeAsync(2);
        var (incremental, fault) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId, ["incremental"] = true } });
        Assert.That(incremental, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("No backups available to do an incremental backup"));
        var (badContainer, _) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId, ["container"] = "../etc" } });
        Assert.That(badContainer, Is.EqualTo(HttpStatusCode.BadRequest));

        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-reserve"] = new JsonObject() });
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-attach"] = new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString(), ["mountpoint"] = "/dev/vdb" } });
        var (inUse, _) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId } });
        Assert.That(inUse, Is.EqualTo(HttpStatusCode.BadRequest), "an attached volume needs force");
        var backupId = await BackUpAsync(new JsonObject { ["volume_id"] = volumeId, ["force"] = true });
        Assert.That((await WaitAsync("volumes", volumeId, "in-use"))["status"]!.GetValue<string>(), Is.EqualTo("in-use"), "after the backup the volume is attached as before");

        var small = await NewVolumeAsync(1);
        var (tooSmall, _) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject { ["volume_id"] = small } });
        Assert.That(tooSmall, Is.EqualTo(HttpStatusCode.BadRequest));
        var (inUseTarget, _) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject { ["volume_id"] = volumeId } });
        Assert.That(inUseTarget, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Backup_quotas_are_counted_shown_and_enforced_with_413()
    {
        var (project, token) = await NewMemberAsync();
        var (set, _) = await CallAsync(HttpMethod.Put, $"os-quota-sets/{project}", new JsonObject { ["quota_set"] = new JsonObject { ["backups"] = 2, ["backup_gigabytes"] = 3 } });
        Assert.That(set, Is.EqualTo(HttpStatusCode.OK));
        var small = await NewVolumeAsync(1, token, project);
        var large = await NewVolumeAsync(2, token, project);

        await BackUpAsync(new JsonObject { ["volume_id"] = large }, token, project);
        var (tooBig, fault) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = large } }, token, project);
        Assert.That(tooBig, Is.EqualTo((HttpStatusCode)413));
        Assert.That(fault!.ToJsonString(), Does.Contain("Requested backup exceeds allowed Backup gigabytes quota. Requested 2G, quota is 3G and 2G has been consumed."));
        await BackUpAsync(new JsonObject { ["volume_id"] = small }, token, project);
        var (tooMany, many) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = small } }, token, project);
        Assert.That(tooMany, Is.EqualTo((HttpStatusCode)413));
        Assert.That(many!.ToJsonString(), Does.Contain("Maximum number of backups allowed (2) exceeded"));

        var (_, quota) = await CallAsync(HttpMethod.Get, $"os-quota-sets/{project}?usage=true", token: token, project: project);
        Assert.That(quota!["quota_set"]!["backups"]!["in_use"]!.GetValue<long>(), Is.EqualTo(2));
        Assert.That(quota["quota_set"]!["backup_gigabytes"]!["in_use"]!.GetValue<long>(), Is.EqualTo(3));
        Assert.That(quota["quota_set"]!["backup_gigabytes"]!["limit"]!.GetValue<int>(), Is.EqualTo(3));
        var (_, limits) = await CallAsync(HttpMethod.Get, "limits", token: token, project: project);
        var absolute = limits!["limits"]!["absolute"]!;
        Assert.That(absolute["maxTotalBackups"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(absolute["totalBackupsUsed"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(absolute["totalBackupGigabytesUsed"]!.GetValue<long>(), Is.EqualTo(3));
    }
}
