using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

/// <summary>os-retype, and the admin actions on volumes, snapshots and backups: force-delete and reset-status.</summary>
public sealed class RetypeAndAdminActionTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private async Task<string> AvailableVolumeAsync(JsonObject? volume = null, string? token = null, string? project = null)
    {
        var id = (await CreateVolumeAsync(volume ?? new() { ["size"] = 1 }, token, project))["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", id, "available", token, project))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        return id;
    }

    private async Task<string> TypeAsync(JsonObject? extraSpecs = null)
    {
        var name = Unique("type");
        var (status, body) = await CallAsync(HttpMethod.Post, "types", new JsonObject { ["volume_type"] = new JsonObject { ["name"] = name, ["extra_specs"] = extraSpecs ?? new JsonObject() } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return name;
    }

    private Task<(HttpStatusCode Status, JsonNode? Body)> ActAsync(string collection, string id, string action, JsonNode? argument, string? token = null, string? project = null) =>
        CallAsync(HttpMethod.Post, $"{collection}/{id}/action", new JsonObject { [action] = argument }, token, project);

    private async Task AttachAsync(string volumeId)
    {
        await ActAsync("volumes", volumeId, "os-reserve", new JsonObject());
        await ActAsync("volumes", volumeId, "os-attach", new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString(), ["mountpoint"] = "/dev/vdb" });
        Assert.That((await WaitAsync("volumes", volumeId, "in-use"))["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
    }

    private static string Message(JsonNode? fault) => fault!.AsObject().First().Value!["message"]!.GetValue<string>();

    [Test]
    public async Task A_member_retypes_a_volume_and_the_new_type_shows_without_moving_data()
    {
        var (project, token) = await NewMemberAsync();
        var gold = await TypeAsync(new JsonObject { ["volume_backend_name"] = "local" });
        var volumeId = await AvailableVolumeAsync(token: token, project: project);
        var before = new FileInfo(VolumeFile(volumeId)).LastWriteTimeUtc;

        var (status, body) = await ActAsync("volumes", volumeId, "os-retype", new JsonObject { ["new_type"] = gold, ["migration_policy"] = "on-demand" }, token, project);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var shown = (await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: token, project: project)).Body!["volume"]!;
        Assert.That(shown["volume_type"]!.GetValue<string>(), Is.EqualTo(gold));
        Assert.That(shown["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(new FileInfo(VolumeFile(volumeId)).LastWriteTimeUtc, Is.EqualTo(before), "one backend: the data stays where it is");

        var (same, sameFault) = await ActAsync("volumes", volumeId, "os-retype", new JsonObject { ["new_type"] = gold }, token, project);
        Assert.That(same, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Message(sameFault), Does.Contain("different"));
        var (badPolicy, _) = await ActAsync("volumes", volumeId, "os-retype", new JsonObject { ["new_type"] = "__DEFAULT__", ["migration_policy"] = "sometimes" }, token, project);
        Assert.That(badPolicy, Is.EqualTo(HttpStatusCode.BadRequest));
        var (missing, _) = await ActAsync("volumes", volumeId, "os-retype", new JsonObject { ["new_type"] = "no-such-type" }, token, project);
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Retyping_changes_multiattach_only_while_the_volume_is_detached()
    {
        var multi = await TypeAsync(new JsonObject { ["multiattach"] = "<is> True" });
        var volumeId = await AvailableVolumeAsync();
        await AttachAsync(volumeId);
        var (refused, fault) = await ActAsync("volumes", volumeId, "os-retype", new JsonObject { ["new_type"] = multi });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Message(fault), Does.Contain("multiattach"));
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{volumeId}")).Body!["volume"]!["multiattach"]!.GetValue<bool>(), Is.False);

        var detached = await AvailableVolumeAsync();
        Assert.That((await ActAsync("volumes", detached, "os-retype", new JsonObject { ["new_type"] = multi })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        var shown = (await CallAsync(HttpMethod.Get, $"volumes/{detached}")).Body!["volume"]!;
        Assert.That(shown["multiattach"]!.GetValue<bool>(), Is.True, "the volume is now multiattach, as its new type says");
        Assert.That(shown["volume_type"]!.GetValue<string>(), Is.EqualTo(multi));
    }

    [Test]
    public async Task Admins_force_delete_a_volume_a_plain_delete_refuses_but_members_get_403_and_attached_volumes_are_refused()
    {
        var (project, token) = await NewMemberAsync();
        var volumeId = await AvailableVolumeAsync(token: token, project: project);
        // Stuck reserved, with no attachment behind it (what a lost client leaves).
        Assert.That((await ActAsync("volumes", volumeId, "os-reset_status", new JsonObject { ["status"] = "reserved" }, project: project)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await CallAsync(HttpMethod.Delete, $"volumes/{volumeId}", token: token, project: project)).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        var (forbidden, _) = await ActAsync("volumes", volumeId, "os-force_delete", new JsonObject(), token, project);
        Assert.That(forbidden, Is.EqualTo(HttpStatusCode.Forbidden));
        var (deleted, body) = await ActAsync("volumes", volumeId, "os-force_delete", new JsonObject(), project: project);
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        await WaitAsync("volumes", volumeId, "gone", project: project);
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", project: project)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(File.Exists(VolumeFile(volumeId)), Is.False);

        var attached = await AvailableVolumeAsync();
        await AttachAsync(attached);
        var (refused, fault) = await ActAsync("volumes", attached, "os-force_delete", new JsonObject());
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Message(fault), Does.Contain("must not be attached"));
    }

    [Test]
    public async Task Admins_reset_and_force_delete_snapshots_while_members_get_403()
    {
        var (project, token) = await NewMemberAsync();
        var volumeId = await AvailableVolumeAsync(token: token, project: project);
        var (_, created) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = volumeId } }, token, project);
        var snapshotId = created!["snapshot"]!["id"]!.GetValue<string>();
        await WaitAsync("snapshots", snapshotId, "available", token, project);

        Assert.That((await ActAsync("snapshots", snapshotId, "os-reset_status", new JsonObject { ["status"] = "error" }, token, project)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ActAsync("snapshots", snapshotId, "os-force_delete", new JsonObject(), token, project)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        var (badStatus, _) = await ActAsync("snapshots", snapshotId, "os-reset_status", new JsonObject { ["status"] = "creating" }, project: project);
        Assert.That(badStatus, Is.EqualTo(HttpStatusCode.BadRequest), "creating would make the worker copy the volume again");

        Assert.That((await ActAsync("snapshots", snapshotId, "os-reset_status", new JsonObject { ["status"] = "error" }, project: project)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await CallAsync(HttpMethod.Get, $"snapshots/{snapshotId}", token: token, project: project)).Body!["snapshot"]!["status"]!.GetValue<string>(), Is.EqualTo("error"));
        var (notAvailable, why) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId, ["snapshot_id"] = snapshotId } }, token, project);
        Assert.That(notAvailable, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Message(why), Does.Contain("Snapshot to be backed up must be available"));

        Assert.That((await ActAsync("snapshots", snapshotId, "os-reset_status", new JsonObject { ["status"] = "error_deleting" }, project: project)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await CallAsync(HttpMethod.Delete, $"snapshots/{snapshotId}", token: token, project: project)).Status, Is.EqualTo(HttpStatusCode.BadRequest),
            "a plain delete wants available or error");
        Assert.That((await ActAsync("snapshots", snapshotId, "os-force_delete", new JsonObject(), project: project)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitAsync("snapshots", snapshotId, "gone", project: project);
        Assert.That((await CallAsync(HttpMethod.Get, $"snapshots/{snapshotId}", project: project)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(File.Exists(Path.Combine(Cloud.DataDirectory, "volumes", "snapshots", snapshotId + ".raw")), Is.False);
    }

    [Test]
    public async Task Admins_reset_a_backups_status_and_force_delete_it_while_members_get_403()
    {
        var (project, token) = await NewMemberAsync();
        var volumeId = await AvailableVolumeAsync(token: token, project: project);
        var (_, created) = await CallAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId } }, token, project);
        var backupId = created!["backup"]!["id"]!.GetValue<string>();
        await WaitAsync("backups", backupId, "available", token, project);

        Assert.That((await ActAsync("backups", backupId, "os-reset_status", new JsonObject { ["status"] = "error" }, token, project)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ActAsync("backups", backupId, "os-force_delete", new JsonObject(), token, project)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        var (badStatus, fault) = await ActAsync("backups", backupId, "os-reset_status", new JsonObject { ["status"] = "restoring" }, project: project);
        Assert.That(badStatus, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Message(fault), Does.Contain("available or error"));

        Assert.That((await ActAsync("backups", backupId, "os-reset_status", new JsonObject { ["status"] = "error" }, project: project)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await CallAsync(HttpMethod.Get, $"backups/{backupId}", token: token, project: project)).Body!["backup"]!["status"]!.GetValue<string>(), Is.EqualTo("error"));
        var (restore, _) = await CallAsync(HttpMethod.Post, $"backups/{backupId}/restore", new JsonObject { ["restore"] = new JsonObject() }, token, project);
        Assert.That(restore, Is.EqualTo(HttpStatusCode.BadRequest), "a backup in error is not restored");

        Assert.That((await ActAsync("backups", backupId, "os-force_delete", new JsonObject(), project: project)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitAsync("backups", backupId, "gone", project: project);
        Assert.That((await CallAsync(HttpMethod.Get, $"backups/{backupId}", project: project)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
