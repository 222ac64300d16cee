using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Data;
using CloudBox.Core.Volumes;
using CloudBox.Volumes.Attachments;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Tests;

/// <summary>The attach state machine: the v3 attachments API, the attach volume actions, the seam Compute uses, and settling after a crash.</summary>
public sealed class AttachmentTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> AtAsync(string version, HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, Url(path));
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("OpenStack-API-Version", "volume " + version);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        var response = await Cloud.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, response);
    }

    private async Task<string> AvailableVolumeAsync()
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1, ["name"] = Unique("att") }))["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", id, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        return id;
    }

    private async Task<string> StatusAsync(string id) =>
        (await CallAsync(HttpMethod.Get, $"volumes/{id}")).Body!["volume"]!["status"]!.GetValue<string>();

    private CallerContext Admin() => new()
    {
        Token = "t", UserId = "u", UserName = "admin", UserDomainId = "default", UserDomainName = "Default", ProjectId = AdminProject,
        Roles = [new Core.Api.Auth.RoleReference("r", "admin")],
    };

    [Test]
    public async Task The_attachments_API_reserves_connects_completes_and_deletes()
    {
        var volumeId = await AvailableVolumeAsync();
        var serverId = Guid.NewGuid().ToString();

        var (tooOld, _, _) = await AtAsync("3.0", HttpMethod.Get, "attachments");
        Assert.That(tooOld, Is.EqualTo(HttpStatusCode.NotFound), "the attachments API starts at 3.27");

        var (created, body, response) = await AtAsync("3.27", HttpMethod.Post, "attachments",
            new JsonObject { ["attachment"] = new JsonObject { ["volume_uuid"] = volumeId, ["instance_uuid"] = serverId } });
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That(response.Headers.GetValues("OpenStack-API-Version").Single(), Is.EqualTo("volume 3.27"));
        var attachment = body!["attachment"]!;
        var attachmentId = attachment["id"]!.GetValue<string>();
        Assert.That(attachment["status"]!.GetValue<string>(), Is.EqualTo("reserved"));
        Assert.That(attachment["instance"]!.GetValue<string>(), Is.EqualTo(serverId));
        Assert.That(await StatusAsync(volumeId), Is.EqualTo("reserved"));

        var (again, _, _) = await AtAsync("3.27", HttpMethod.Post, "attachments",
            new JsonObject { ["attachment"] = new JsonObject { ["volume_uuid"] = volumeId, ["instance_uuid"] = Guid.NewGuid().ToString() } });
        Assert.That(again, Is.EqualTo(HttpStatusCode.BadRequest), "a reserved volume is not multiattach");

        var (updated, connected, _) = await AtAsync("3.27", HttpMethod.Put, $"attachments/{attachmentId}",
            new JsonObject { ["attachment"] = new JsonObject { ["connector"] = new JsonObject { ["host"] = "node-1", ["initiator"] = "x" } } });
        Assert.That(updated, Is.EqualTo(HttpStatusCode.OK), connected?.ToJsonString());
        Assert.That(connected!["attachment"]!["status"]!.GetValue<string>(), Is.EqualTo("attaching"));
        Assert.That(connected["attachment"]!["connection_info"]!["driver_volume_type"]!.GetValue<string>(), Is.EqualTo("local"));
        Assert.That(connected["attachment"]!["connection_info"]!["data"]!["device_path"]!.GetValue<string>(), Is.EqualTo(VolumeFile(volumeId)));

        var (completeTooOld, _, _) = await AtAsync("3.27", HttpMethod.Post, $"attachments/{attachmentId}/action", new JsonObject { ["os-complete"] = null });
        Assert.That(completeTooOld, Is.EqualTo(HttpStatusCode.NotFound), "os-complete starts at 3.44");
        var (completed, _, _) = await AtAsync("3.44", HttpMethod.Post, $"attachments/{attachmentId}/action", new JsonObject { ["os-complete"] = null });
        Assert.That(completed, Is.EqualTo(HttpStatusCode.NoContent));

        var volume = (await CallAsync(HttpMethod.Get, $"volumes/{volumeId}")).Body!["volume"]!;
        Assert.That(volume["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
        var listed = volume["attachments"]!.AsArray().Single()!;
        Assert.That(listed["attachment_id"]!.GetValue<string>(), Is.EqualTo(attachmentId));
        Assert.That(listed["server_id"]!.GetValue<string>(), Is.EqualTo(serverId));
        Assert.That(listed["host_name"]!.GetValue<string>(), Is.EqualTo("node-1"));
        Assert.That(listed["attached_at"], Is.Not.Null);

        var (deleteInUse, refusal) = await CallAsync(HttpMethod.Delete, $"volumes/{volumeId}");
        Assert.That(deleteInUse, Is.EqualTo(HttpStatusCode.BadRequest), "an attached volume cannot be deleted");
        Assert.That(refusal!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("attached"));

        var (list, all, _) = await AtAsync("3.27", HttpMethod.Get, $"attachments/detail?volume_id={volumeId}");
        Assert.That(list, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(all!["attachments"]!.AsArray().Single()!["status"]!.GetValue<string>(), Is.EqualTo("attached"));

        var (deleted, _, _) = await AtAsync("3.27", HttpMethod.Delete, $"attachments/{attachmentId}");
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await StatusAsync(volumeId), Is.EqualTo("available"));
        var (gone, _, _) = await AtAsync("3.27", HttpMethod.Get, $"attachments/{attachmentId}");
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task The_declared_maximum_is_served_and_beyond_it_refused()
    {
        var (status, versions, _) = await Cloud.SendAsync(HttpMethod.Get, "/volume/", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.MultipleChoices));
        Assert.That(versions!["versions"]![0]!["version"]!.GetValue<string>(), Is.EqualTo("3.47"));
        var (latest, _, response) = await AtAsync("latest", HttpMethod.Get, "volumes");
        Assert.That(latest, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("OpenStack-API-Version").Single(), Is.EqualTo("volume 3.47"));
        var (beyond, _, _) = await AtAsync("3.48", HttpMethod.Get, "volumes");
        Assert.That(beyond, Is.EqualTo(HttpStatusCode.NotAcceptable));
    }

    [Test]
    public async Task The_attach_actions_walk_a_volume_through_attaching_in_use_detaching_and_back()
    {
        var id = await AvailableVolumeAsync();
        async Task Act(string action, JsonObject? argument = null, HttpStatusCode expected = HttpStatusCode.Accepted)
        {
            var (status, body) = await CallAsync(HttpMethod.Post, $"volumes/{id}/action", new JsonObject { [action] = argument ?? new JsonObject() });
            Assert.That(status, Is.EqualTo(expected), $"{action}: {body?.ToJsonString()}");
        }

        await Act("os-attach", new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString(), ["mountpoint"] = "/dev/vdb" }, HttpStatusCode.BadRequest);
        await Act("os-reserve");
        Assert.That(await StatusAsync(id), Is.EqualTo("attaching"));
        await Act("os-unreserve");
        Assert.That(await StatusAsync(id), Is.EqualTo("available"));
        await Act("os-reserve");
        var (connected, info) = await CallAsync(HttpMethod.Post, $"volumes/{id}/action", new JsonObject { ["os-initialize_connection"] = new JsonObject { ["connector"] = new JsonObject() } });
        Assert.That(connected, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(info!["connection_info"]!["data"]!["device_path"]!.GetValue<string>(), Is.EqualTo(VolumeFile(id)));
        await Act("os-attach", new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString(), ["mountpoint"] = "/dev/vdb" });
        Assert.That(await StatusAsync(id), Is.EqualTo("in-use"));
        await Act("os-begin_detaching");
        Assert.That(await StatusAsync(id), Is.EqualTo("detaching"));
        await Act("os-roll_detaching");
        Assert.That(await StatusAsync(id), Is.EqualTo("in-use"));
        await Act("os-detach");
        Assert.That(await StatusAsync(id), Is.EqualTo("available"));
    }

    [Test]
    public async Task Compute_seam_reserves_completes_and_detaches_and_refuses_what_it_must()
    {
        var seam = Cloud.Services.GetRequiredService<IVolumeAttachments>();
        var id = await AvailableVolumeAsync();
        var server = Guid.NewGuid().ToString();

        var reserved = await seam.ReserveAsync(id, server, null, false, null, attachNow: true, Admin(), default);
        Assert.That(await StatusAsync(id), Is.EqualTo("attaching"));
        var fault = Assert.ThrowsAsync<ApiFault>(() => seam.ReserveAsync(id, Guid.NewGuid().ToString(), null, false, null, true, Admin(), default));
        Assert.That(fault!.StatusCode, Is.EqualTo(400));

        var attached = await seam.CompleteAsync(reserved.Id, "/dev/vdb", "node-1", default);
        Assert.That(attached.Status, Is.EqualTo("attached"));
        Assert.That(attached.AttachedAt, Is.Not.Null);
        Assert.That(await StatusAsync(id), Is.EqualTo("in-use"));
        Assert.That((await seam.ListForServerAsync(server, default)).Single().Device, Is.EqualTo("/dev/vdb"));
        Assert.That(seam.VolumePath(id), Is.EqualTo(VolumeFile(id)));

        var detaching = await seam.BeginDetachAsync(id, server, default);
        Assert.That(await StatusAsync(id), Is.EqualTo("detaching"));
        await seam.RollBackDetachAsync(detaching.Id, default);
        Assert.That(await StatusAsync(id), Is.EqualTo("in-use"));
        await seam.BeginDetachAsync(id, server, default);
        await seam.DetachAsync(detaching.Id, default);
        Assert.That(await StatusAsync(id), Is.EqualTo("available"));
        Assert.That(await seam.ListForServerAsync(server, default), Is.Empty);
        var notAttached = Assert.ThrowsAsync<ApiFault>(() => seam.BeginDetachAsync(id, server, default));
        Assert.That(notAttached!.StatusCode, Is.EqualTo(404));

        // Another project's volume does not exist for a member of a different project.
        var stranger = new CallerContext { Token = "t", UserId = "x", UserName = "x", UserDomainId = "default", UserDomainName = "Default", ProjectId = Guid.NewGuid().ToString("N"), Roles = [new Core.Api.Auth.RoleReference("m", "member")] };
        Assert.That(await seam.FindAsync(id, stranger, default), Is.Null);
        var foreign = Assert.ThrowsAsync<ApiFault>(() => seam.ReserveAsync(id, server, null, false, null, true, stranger, default));
        Assert.That(foreign!.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task Attaches_and_detaches_a_crash_cut_short_are_settled_at_start()
    {
        var seam = Cloud.Services.GetRequiredService<IVolumeAttachments>();
        var halfAttached = await AvailableVolumeAsync();
        var halfDetached = await AvailableVolumeAsync();
        var clientReserved = await AvailableVolumeAsync();
        await seam.ReserveAsync(halfAttached, Guid.NewGuid().ToString(), null, false, null, attachNow: true, Admin(), default);
        var server = Guid.NewGuid().ToString();
        var attachment = await seam.ReserveAsync(halfDetached, server, null, false, null, attachNow: true, Admin(), default);
        await seam.CompleteAsync(attachment.Id, "/dev/vdb", "node-1", default);
        await seam.BeginDetachAsync(halfDetached, server, default);
        var (reservedByClient, _, _) = await AtAsync("3.27", HttpMethod.Post, "attachments",
            new JsonObject { ["attachment"] = new JsonObject { ["volume_uuid"] = clientReserved, ["instance_uuid"] = Guid.NewGuid().ToString() } });
        Assert.That(reservedByClient, Is.EqualTo(HttpStatusCode.OK));

        await Cloud.RestartAsync(); // what a kill -9 in the middle of both operations leaves
        await RefreshAdminAsync();

        Assert.That(await StatusAsync(halfAttached), Is.EqualTo("available"), "an attach never completed is rolled back");
        Assert.That(await StatusAsync(halfDetached), Is.EqualTo("in-use"), "a detach never finished leaves the volume attached, to detach again");
        Assert.That(await StatusAsync(clientReserved), Is.EqualTo("reserved"), "a client's pending reservation is not this process's to undo");
        await using var database = Cloud.OpenDatabase();
        await using var connection = await database.OpenAsync();
        var statuses = (await connection.QueryAsync<string>("SELECT status FROM volumes_attachments")).ToList();
        Assert.That(statuses, Has.None.EqualTo("attaching").And.None.EqualTo("detaching"));
    }

    [Test]
    public async Task A_boot_volume_made_from_an_image_comes_out_reserved_for_its_server()
    {
        var seam = Cloud.Services.GetRequiredService<IVolumeAttachments>();
        var image = await UploadRawImageAsync();
        var server = Guid.NewGuid().ToString();
        var attachment = await seam.CreateFromImageAsync(image, 1, "boot", server, "/dev/vda", deleteOnTermination: true, Admin(), default);
        Assert.That(attachment.BootIndex, Is.EqualTo(0));
        var volume = await seam.WaitUntilCreatedAsync(attachment.VolumeId, TimeSpan.FromSeconds(20), default);
        Assert.That(volume.Status, Is.EqualTo("reserved"));
        Assert.That(volume.Bootable, Is.True);
        Assert.That(volume.ImageMetadata["image_id"], Is.EqualTo(image));
        await seam.CompleteAsync(attachment.Id, "/dev/vda", "node-1", default);
        Assert.That(await StatusAsync(volume.Id), Is.EqualTo("in-use"));
        await seam.BeginDetachAsync(volume.Id, server, default);
        await seam.DetachAsync(attachment.Id, default);
        await seam.DeleteAsync(volume.Id, default);
        await WaitAsync("volumes", volume.Id, "gone");
        Assert.That(File.Exists(VolumeFile(volume.Id)), Is.False);
    }

    private Task<string> UploadRawImageAsync() =>
        Cloud.UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("img"), ["disk_format"] = "raw", ["container_format"] = "bare" }, new byte[1 << 20]);
}
