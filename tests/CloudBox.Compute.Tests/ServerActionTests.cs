using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>Server actions: the state machine, the driver calls behind it, and 409 in the wrong state.</summary>
public sealed class ServerActionTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    private static JsonObject Action(string name, JsonNode? argument = null) => new() { [name] = argument };

    [Test]
    public async Task Stop_start_reboot_pause_suspend_move_through_novas_states()
    {
        var id = await CreateActiveServerAsync();

        Assert.That((await ActAsync(id, Action("os-stop"))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        var stopped = await WaitForStatusAsync(id, "SHUTOFF");
        Assert.That(stopped["OS-EXT-STS:power_state"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(Driver.StateOf(id), Is.EqualTo(4));
        Assert.That((await ActAsync(id, Action("os-stop"))).Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ActAsync(id, Action("pause"))).Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ActAsync(id, Action("reboot", new JsonObject { ["type"] = "SOFT" }))).Status, Is.EqualTo(HttpStatusCode.Conflict));

        Assert.That((await ActAsync(id, Action("os-start"))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForStatusAsync(id, "ACTIVE");
        Assert.That(Driver.StateOf(id), Is.EqualTo(1));

        Assert.That((await ActAsync(id, Action("reboot", new JsonObject { ["type"] = "SOFT" }))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await ActAsync(id, Action("reboot", new JsonObject { ["type"] = "HARD" }))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Driver.CountOf("reboot-soft", id), Is.EqualTo(1));
        Assert.That(Driver.CountOf("reboot-hard", id), Is.EqualTo(1));
        Assert.That((await ActAsync(id, Action("reboot", new JsonObject { ["type"] = "GENTLE" }))).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        Assert.That((await ActAsync(id, Action("pause"))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        var paused = await WaitForStatusAsync(id, "PAUSED");
        Assert.That(paused["OS-EXT-STS:power_state"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That((await ActAsync(id, Action("suspend"))).Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ActAsync(id, Action("unpause"))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForStatusAsync(id, "ACTIVE");

        Assert.That((await ActAsync(id, Action("suspend"))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForStatusAsync(id, "SUSPENDED");
        Assert.That((await ActAsync(id, Action("resume"))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForStatusAsync(id, "ACTIVE");

        var (_, actions, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-instance-actions", AdminToken);
        var names = actions!["instanceActions"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToList();
        Assert.That(names, Is.SupersetOf(new[] { "create", "stop", "start", "reboot", "pause", "unpause", "suspend", "resume" }));
        var requestId = actions["instanceActions"]![0]!["request_id"]!.GetValue<string>();
        var (one, detail, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-instance-actions/{requestId}", AdminToken);
        Assert.That(one, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(detail!["instanceAction"]!["request_id"]!.GetValue<string>(), Is.EqualTo(requestId));
    }

    [Test]
    public async Task A_locked_server_refuses_its_owner_until_unlocked()
    {
        var (member, _) = await NewMemberAsync();
        var id = await CreateActiveServerAsync(member);
        Assert.That((await ActAsync(id, Action("lock"), member)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await ActAsync(id, Action("os-stop"), member)).Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}", member)).Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ActAsync(id, Action("unlock"), member)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await ActAsync(id, Action("os-stop"), member)).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Console_output_returns_the_last_lines_of_the_serial_log()
    {
        var id = await CreateActiveServerAsync();
        var (status, body, _) = await ActAsync(id, Action("os-getConsoleOutput", new JsonObject { ["length"] = 2 }));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["output"]!.GetValue<string>(), Is.EqualTo("line 2\nlogin:\n"));
        var (_, all, _) = await ActAsync(id, Action("os-getConsoleOutput", new JsonObject()));
        Assert.That(all!["output"]!.GetValue<string>(), Does.StartWith($"fake boot of {id}"));
    }

    [Test]
    public async Task Create_image_snapshots_the_root_disk_as_a_bootable_image()
    {
        var id = await CreateActiveServerAsync();
        var (status, _, response) = await ActAsync(id, Action("createImage", new JsonObject { ["name"] = "snap", ["metadata"] = new JsonObject { ["purpose"] = "backup" } }));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        var location = response.Headers.Location!.ToString();
        var imageId = location[(location.LastIndexOf('/') + 1)..];
        var (_, image, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{imageId}", AdminToken);
        Assert.That(image!["status"]!.GetValue<string>(), Is.EqualTo("active"));
        Assert.That(image["image_type"]!.GetValue<string>(), Is.EqualTo("snapshot"));
        Assert.That(image["instance_uuid"]!.GetValue<string>(), Is.EqualTo(id));
        Assert.That(image["purpose"]!.GetValue<string>(), Is.EqualTo("backup"));
        Assert.That(image["kernel_id"], Is.Not.Null);
        Assert.That(image["disk_format"]!.GetValue<string>(), Is.EqualTo("qcow2"));
        Assert.That(image["virtual_size"]!.GetValue<long>(), Is.EqualTo(1L << 30));
        Assert.That(image["size"]!.GetValue<long>(), Is.LessThan(16L << 20), "the snapshot leaves the disk's holes out");
        Assert.That((await ShowServerAsync(id))["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"));

        // The snapshot boots a new server.
        var (created, body) = await CreateServerAsync(AdminToken, image: imageId);
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        await WaitForStatusAsync(body!["server"]!["id"]!.GetValue<string>(), "ACTIVE");
    }

    [Test]
    public async Task Rebuild_boots_a_fresh_disk_from_the_new_image()
    {
        var id = await CreateActiveServerAsync();
        var disk = Driver.Started[id].Disks[0].Path;
        await File.WriteAllBytesAsync(disk + ".marker", [1]);
        var other = await CreateBootableImageAsync(AdminToken);
        var (status, body, _) = await ActAsync(id, Action("rebuild", new JsonObject { ["imageRef"] = other, ["name"] = "rebuilt" }));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var server = await WaitForStatusAsync(id, "ACTIVE");
        Assert.That(server["image"]!["id"]!.GetValue<string>(), Is.EqualTo(other));
        Assert.That(server["name"]!.GetValue<string>(), Is.EqualTo("rebuilt"));
        Assert.That(Driver.CountOf("start", id), Is.EqualTo(2));
    }

    [Test]
    public async Task Unknown_actions_are_bad_requests()
    {
        var id = await CreateActiveServerAsync();
        var (status, body, _) = await ActAsync(id, Action("levitate"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("levitate"));
    }
}
