using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Compute.Volumes;
using CloudBox.Core.Data;
using CloudBox.Core.Volumes;
using CloudBox.Images;
using CloudBox.Testing;
using CloudBox.Volumes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Volumes on servers, against a cloud with Images, Volumes and Compute (on the in-process fake
/// driver): os-volume_attachments, live attach through the VMM control socket, the VM's disks,
/// boot from volume, and the refusals.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public sealed class ServerVolumeTests(DatabaseEngine engine)
{
    private readonly InProcessFakeDriver _driver = new();
    private TestCloud _cloud = null!;
    private string _token = "";
    private string _project = "";
    private string _image = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        _cloud = await TestCloud.StartAsync(engine,
            new ImagesModule(),
            new VolumesModule(new VolumesSettings { WorkerPollInterval = TimeSpan.FromMilliseconds(200), CapacityGigabytes = 100 }),
            new ComputeModule(new ComputeSettings
            {
                Driver = _ => _driver, HostName = "test-node", BuildPollInterval = TimeSpan.FromMilliseconds(200), PowerSyncInterval = TimeSpan.FromMilliseconds(300),
            }));
        _token = await _cloud.AdminTokenAsync();
        var (_, projects, _) = await _cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", _token);
        _project = projects!["projects"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "admin")!["id"]!.GetValue<string>();
        _image = await CreateBootableImageAsync();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await _cloud.DisposeAsync();

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Nova(HttpMethod method, string path, JsonNode? body = null, string? token = null) =>
        _cloud.SendAsync(method, "/compute/v2.1" + path, token ?? _token, body);

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Cinder(HttpMethod method, string path, JsonNode? body = null) =>
        _cloud.SendAsync(method, $"/volume/v3/{_project}/{path}", _token, body);

    private Task<string> UploadAsync(JsonObject attributes, byte[] data) => _cloud.UploadImageAsync(_token, attributes, data);

    private async Task<string> CreateBootableImageAsync()
    {
        var kernel = await UploadAsync(new JsonObject { ["name"] = Unique("kernel"), ["disk_format"] = "aki", ["container_format"] = "aki" }, new byte[4096]);
        var ramdisk = await UploadAsync(new JsonObject { ["name"] = Unique("ramdisk"), ["disk_format"] = "ari", ["container_format"] = "ari" }, new byte[4096]);
        var disk = new byte[1 << 20];
        "CLOUDBOX-ROOT"u8.CopyTo(disk);
        return await UploadAsync(new JsonObject
        {
            ["name"] = Unique("disk"), ["disk_format"] = "raw", ["container_format"] = "bare",
            ["kernel_id"] = kernel, ["ramdisk_id"] = ramdisk, ["os_command_line"] = "console=ttyS0 root=/dev/vda",
        }, disk);
    }

    private async Task<JsonObject> ServerAsync(string id) => (await Nova(HttpMethod.Get, $"/servers/{id}")).Body!["server"]!.AsObject();

    private async Task<JsonObject> WaitForServerAsync(string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var server = await ServerAsync(id);
            if (server["status"]!.GetValue<string>() == status && server["OS-EXT-STS:task_state"] is null)
                return server;
            if (server["status"]!.GetValue<string>() == "ERROR" || DateTime.UtcNow > deadline)
                Assert.Fail($"server {id} did not reach {status}: {server.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    private async Task<string> CreateServerAsync(JsonObject? extra = null, string? image = "")
    {
        var server = new JsonObject { ["name"] = Unique("vm"), ["flavorRef"] = "1", ["networks"] = "none" };
        if (image is not null)
            server["imageRef"] = image.Length == 0 ? _image : image;
        foreach (var (key, value) in extra ?? [])
            server[key] = value?.DeepClone();
        var (status, body, _) = await Nova(HttpMethod.Post, "/servers", new JsonObject { ["server"] = server });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["server"]!["id"]!.GetValue<string>();
        await WaitForServerAsync(id, "ACTIVE");
        return id;
    }

    private async Task<JsonObject> VolumeAsync(string id) => (await Cinder(HttpMethod.Get, $"volumes/{id}")).Body!["volume"]!.AsObject();

    private async Task<JsonObject> WaitForVolumeAsync(string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (code, body, _) = await Cinder(HttpMethod.Get, $"volumes/{id}");
            if (code == HttpStatusCode.NotFound && status == "gone")
                return [];
            var volume = body?["volume"]?.AsObject();
            if (volume?["status"]?.GetValue<string>() == status)
                return volume;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"volume {id} did not reach {status}: {volume?.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    private async Task<string> CreateVolumeAsync(JsonObject? volume = null)
    {
        var request = volume ?? new JsonObject { ["size"] = 1 };
        request["name"] ??= Unique("vol");
        var (status, body, _) = await Cinder(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = request });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["volume"]!["id"]!.GetValue<string>();
        await WaitForVolumeAsync(id, "available");
        return id;
    }

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> AttachAsync(string server, string volume, string? token = null) =>
        Nova(HttpMethod.Post, $"/servers/{server}/os-volume_attachments", new JsonObject { ["volumeAttachment"] = new JsonObject { ["volumeId"] = volume } }, token);

    private ServerRecord Record(string id) =>
        _cloud.Services.GetRequiredService<ServerStore>().FindAsync(id, default).GetAwaiter().GetResult()!;

    private Drivers.VmDefinition Definition(string id) => _cloud.Services.GetRequiredService<VmDefinitions>().For(Record(id));

    private string VolumeFile(string id) => Path.Combine(_cloud.DataDirectory, "volumes", "volumes", id + ".raw");

    [Test]
    public async Task Attach_and_detach_show_in_Nova_and_Cinder_and_in_the_VMs_disks()
    {
        var server = await CreateServerAsync();
        var volume = await CreateVolumeAsync();

        var (status, body, _) = await AttachAsync(server, volume);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var attachment = body!["volumeAttachment"]!;
        Assert.That(attachment["volumeId"]!.GetValue<string>(), Is.EqualTo(volume));
        Assert.That(attachment["id"]!.GetValue<string>(), Is.EqualTo(volume));
        Assert.That(attachment["serverId"]!.GetValue<string>(), Is.EqualTo(server));
        Assert.That(attachment["device"]!.GetValue<string>(), Is.EqualTo("/dev/vdb"));

        var inUse = await VolumeAsync(volume);
        Assert.That(inUse["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
        Assert.That(inUse["attachments"]![0]!["server_id"]!.GetValue<string>(), Is.EqualTo(server));
        Assert.That(inUse["attachments"]![0]!["device"]!.GetValue<string>(), Is.EqualTo("/dev/vdb"));
        var (_, list, _) = await Nova(HttpMethod.Get, $"/servers/{server}/os-volume_attachments");
        Assert.That(list!["volumeAttachments"]!.AsArray().Single()!["volumeId"]!.GetValue<string>(), Is.EqualTo(volume));
        var (shown, one, _) = await Nova(HttpMethod.Get, $"/servers/{server}/os-volume_attachments/{volume}");
        Assert.That(shown, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(one!["volumeAttachment"]!["device"]!.GetValue<string>(), Is.EqualTo("/dev/vdb"));
        var attached = (await ServerAsync(server))["os-extended-volumes:volumes_attached"]!.AsArray();
        Assert.That(attached.Single()!["id"]!.GetValue<string>(), Is.EqualTo(volume));
        var (_, detail, _) = await Nova(HttpMethod.Get, "/servers/detail");
        var listed = detail!["servers"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == server)!;
        Assert.That(listed["os-extended-volumes:volumes_attached"]!.AsArray().Single()!["id"]!.GetValue<string>(), Is.EqualTo(volume));

        // The VM opens the volume's own file as an extra virtio disk, after its root disk.
        var disks = Definition(server).Disks;
        Assert.That(disks[0].Path, Does.EndWith("disk.raw"));
        Assert.That(disks.Select(d => d.Path), Does.Contain(VolumeFile(volume)));
        Assert.That(disks.Single(d => d.Path == VolumeFile(volume)).Id, Is.EqualTo(volume), "named as a hot-plugged disk is, so a detach can unplug it");
        Assert.That(disks[0].Id, Is.Null, "the root disk is never unplugged");

        // The running VM got it live, so the attach action carries no notice about the next hard reboot.
        Assert.That(_driver.PluggedDisks.Keys, Does.Contain((server, volume)));
        var (_, actions, _) = await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions");
        var attach = actions!["instanceActions"]!.AsArray().First(a => a!["action"]!.GetValue<string>() == "attach_volume")!;
        Assert.That(attach["message"], Is.Null);

        var (detached, _, _) = await Nova(HttpMethod.Delete, $"/servers/{server}/os-volume_attachments/{volume}");
        Assert.That(detached, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForVolumeAsync(volume, "available");
        Assert.That((await VolumeAsync(volume))["attachments"]!.AsArray(), Is.Empty);
        Assert.That(Definition(server).Disks.Select(d => d.Path), Does.Not.Contain(VolumeFile(volume)));
        Assert.That((await ServerAsync(server))["os-extended-volumes:volumes_attached"]!.AsArray(), Is.Empty);
        (_, actions, _) = await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions");
        Assert.That(actions!["instanceActions"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()), Does.Contain("detach_volume"));
    }

    [Test]
    public async Task A_running_VM_gets_the_disk_hot_plugged_and_loses_it_on_detach()
    {
        var server = await CreateServerAsync();
        var volume = await CreateVolumeAsync();

        var (status, body, _) = await AttachAsync(server, volume);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That(_driver.Hotplugs.Where(h => h.ServerId == server), Is.EqualTo(new[] { ("attach-disk", server, volume) }));
        Assert.That(_driver.PluggedDisks[(server, volume)], Is.EqualTo(new VmDisk(VolumeFile(volume), false, volume)));
        var (_, actions, _) = await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions");
        Assert.That(actions!["instanceActions"]!.AsArray().First(a => a!["action"]!.GetValue<string>() == "attach_volume")!["message"], Is.Null);

        // As Nova: 202 at once with the volume detaching, while the VMM waits for the guest to let go.
        try
        {
            _driver.DiskUnplugDelay = TimeSpan.FromSeconds(2);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (detached, _, _) = await Nova(HttpMethod.Delete, $"/servers/{server}/os-volume_attachments/{volume}");
            Assert.That(detached, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1.5)), "the detach does not wait for the unplug");
            Assert.That((await VolumeAsync(volume))["status"]!.GetValue<string>(), Is.EqualTo("detaching"));
            var (again, _, _) = await Nova(HttpMethod.Delete, $"/servers/{server}/os-volume_attachments/{volume}");
            Assert.That(again, Is.EqualTo(HttpStatusCode.BadRequest), "already detaching");
            await WaitForVolumeAsync(volume, "available");
            Assert.That(_driver.Hotplugs.Last(h => h.ServerId == server), Is.EqualTo(("detach-disk", server, volume)));
            Assert.That(_driver.PluggedDisks.Keys, Does.Not.Contain((server, volume)));
            Assert.That(Definition(server).Disks.Select(d => d.Path), Does.Not.Contain(VolumeFile(volume)));
            _driver.DiskUnplugDelay = TimeSpan.Zero;

            // A hypervisor without hot-unplug keeps the disk: the detach is accepted, then the volume goes back in use.
            Assert.That((await AttachAsync(server, volume)).Status, Is.EqualTo(HttpStatusCode.OK));
            _driver.DiskHotplug = new HotplugResult(HotplugOutcome.Unsupported, "405");
            var (accepted, fault, _) = await Nova(HttpMethod.Delete, $"/servers/{server}/os-volume_attachments/{volume}");
            Assert.That(accepted, Is.EqualTo(HttpStatusCode.Accepted), fault?.ToJsonString());
            await _cloud.Services.GetRequiredService<VolumeDetachWorker>().IdleAsync();
            Assert.That((await VolumeAsync(volume))["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
            Assert.That(Definition(server).Disks.Select(d => d.Path), Does.Contain(VolumeFile(volume)));
            _driver.DiskHotplug = HotplugResult.Done;
            Assert.That((await Nova(HttpMethod.Delete, $"/servers/{server}/os-volume_attachments/{volume}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
            await WaitForVolumeAsync(volume, "available");
        }
        finally
        {
            (_driver.DiskHotplug, _driver.DiskUnplugDelay) = (HotplugResult.Done, TimeSpan.Zero);
        }
    }

    [Test]
    public async Task A_detach_a_crash_cut_short_is_finished_at_the_next_start()
    {
        var server = await CreateServerAsync();
        var volume = await CreateVolumeAsync();
        Assert.That((await AttachAsync(server, volume)).Status, Is.EqualTo(HttpStatusCode.OK));
        // What a kill -9 right after the 202 leaves: the volume detaching, the detach recorded, the disk still in the VM.
        var seam = _cloud.Services.GetRequiredService<IVolumeAttachments>();
        var detaching = await seam.BeginDetachAsync(volume, server, default);
        await using (var database = _cloud.OpenDatabase())
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO compute_volume_detaches (server_id, volume_id, attachment_id, host, created_at) VALUES (@server, @volume, @attachment, 'test-node', '2026-01-01T00:00:00Z')",
                new { server, volume, attachment = detaching.Id });
        }

        await _cloud.RestartAsync();
        _token = await _cloud.AdminTokenAsync();
        await WaitForVolumeAsync(volume, "available");
        Assert.That(_driver.Hotplugs, Does.Contain(("detach-disk", server, volume)), "the disk was taken out of the VM");
        Assert.That(_driver.PluggedDisks.Keys, Does.Not.Contain((server, volume)));
        Assert.That(Definition(server).Disks.Select(d => d.Path), Does.Not.Contain(VolumeFile(volume)));
        await using (var database = _cloud.OpenDatabase())
        await using (var connection = await database.OpenAsync())
            Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM compute_volume_detaches"), Is.Zero);
    }

    [Test]
    public async Task A_hypervisor_without_disk_hot_plug_keeps_the_attachment_and_the_user_is_told_it_appears_at_the_next_hard_reboot()
    {
        var server = await CreateServerAsync();
        var volume = await CreateVolumeAsync();
        _driver.DiskHotplug = new HotplugResult(HotplugOutcome.Unsupported, "404");
        try
        {
            Assert.That((await AttachAsync(server, volume)).Status, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            _driver.DiskHotplug = HotplugResult.Done;
        }
        Assert.That((await VolumeAsync(volume))["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
        var (_, actions, _) = await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions");
        Assert.That(actions!["instanceActions"]!.AsArray().First(a => a!["action"]!.GetValue<string>() == "attach_volume")!["message"]!.GetValue<string>(),
            Is.EqualTo(ServerVolumes.AppearsAtHardReboot));
        // The next (hard) boot opens it: it is in the VM definition.
        Assert.That(Definition(server).Disks.Select(d => d.Path), Does.Contain(VolumeFile(volume)));
    }

    [Test]
    public async Task Refusals_in_use_volume_attached_volume_delete_foreign_volume_and_unknown_attachment()
    {
        var server = await CreateServerAsync();
        var other = await CreateServerAsync();
        var volume = await CreateVolumeAsync();
        Assert.That((await AttachAsync(server, volume)).Status, Is.EqualTo(HttpStatusCode.OK));

        var (inUse, fault, _) = await AttachAsync(other, volume);
        Assert.That(inUse, Is.EqualTo(HttpStatusCode.BadRequest), fault?.ToJsonString());
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("in-use"));
        var (deleteAttached, _, _) = await Cinder(HttpMethod.Delete, $"volumes/{volume}");
        Assert.That(deleteAttached, Is.EqualTo(HttpStatusCode.BadRequest));
        var (missing, _, _) = await AttachAsync(server, Guid.NewGuid().ToString());
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));
        var (notAttached, _, _) = await Nova(HttpMethod.Delete, $"/servers/{other}/os-volume_attachments/{volume}");
        Assert.That(notAttached, Is.EqualTo(HttpStatusCode.NotFound));

        // A member of another project cannot see the volume, even to attach it to their own server.
        var projectName = Unique("proj");
        var user = Unique("user");
        await _cloud.CreateUserWithRoleAsync(_token, projectName, user, "pw-" + user, "member");
        var memberToken = await _cloud.TokenAsync(user, "pw-" + user, projectName);
        var (created, body, _) = await Nova(HttpMethod.Post, "/servers", new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = Unique("vm"), ["flavorRef"] = "1", ["networks"] = "none", ["imageRef"] = await PublicImageAsync() },
        }, memberToken);
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var memberServer = body!["server"]!["id"]!.GetValue<string>();
        await WaitForServerAsync(memberServer, "ACTIVE");
        var spare = await CreateVolumeAsync();
        var (foreign, _, _) = await AttachAsync(memberServer, spare, memberToken);
        Assert.That(foreign, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await VolumeAsync(spare))["status"]!.GetValue<string>(), Is.EqualTo("available"));
    }

    private string? _publicImage;

    private async Task<string> PublicImageAsync()
    {
        if (_publicImage is null)
        {
            _publicImage = await CreateBootableImageAsync();
            await _cloud.SendAsync(HttpMethod.Patch, $"/image/v2/images/{_publicImage}", _token, null);
            using var request = new HttpRequestMessage(HttpMethod.Patch, $"/image/v2/images/{_publicImage}")
            {
                Content = new StringContent("""[{"op":"replace","path":"/visibility","value":"public"}]"""),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/openstack-images-v2.1-json-patch");
            request.Headers.Add("X-Auth-Token", _token);
            Assert.That((await _cloud.Client.SendAsync(request)).IsSuccessStatusCode, Is.True);
        }
        return _publicImage;
    }

    [Test]
    public async Task Boot_from_an_existing_volume_uses_its_file_as_the_root_disk()
    {
        var volume = await CreateVolumeAsync(new JsonObject { ["imageRef"] = _image, ["size"] = 1 });
        Assert.That((await VolumeAsync(volume))["bootable"]!.GetValue<string>(), Is.EqualTo("true"));
        var server = await CreateServerAsync(new JsonObject
        {
            ["block_device_mapping_v2"] = new JsonArray(new JsonObject
            {
                ["uuid"] = volume, ["source_type"] = "volume", ["destination_type"] = "volume", ["boot_index"] = 0,
            }),
        }, image: null);

        var definition = Definition(server);
        Assert.That(definition.Disks[0].Path, Is.EqualTo(VolumeFile(volume)), "the root disk is the volume itself, not a copy");
        Assert.That(File.Exists(Path.Combine(definition.InstanceDirectory, "disk.raw")), Is.False);
        Assert.That(File.Exists(definition.KernelPath), Is.True, "the kernel comes from the volume's image metadata");
        Assert.That(definition.CommandLine, Is.EqualTo("console=ttyS0 root=/dev/vda"));
        var shown = await ServerAsync(server);
        Assert.That(shown["image"]!.GetValue<string>(), Is.EqualTo(""));
        Assert.That(shown["os-extended-volumes:volumes_attached"]!.AsArray().Single()!["id"]!.GetValue<string>(), Is.EqualTo(volume));
        Assert.That((await VolumeAsync(volume))["status"]!.GetValue<string>(), Is.EqualTo("in-use"));

        var (rootDetach, _, _) = await Nova(HttpMethod.Delete, $"/servers/{server}/os-volume_attachments/{volume}");
        Assert.That(rootDetach, Is.EqualTo(HttpStatusCode.BadRequest), "the root volume cannot be detached");

        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{server}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await WaitForVolumeAsync(volume, "available"))["attachments"]!.AsArray(), Is.Empty, "not delete_on_termination: the volume stays");
        Assert.That(File.Exists(VolumeFile(volume)), Is.True);
    }

    [Test]
    public async Task Boot_from_a_new_volume_made_from_the_image_and_deleted_with_the_server()
    {
        var server = await CreateServerAsync(new JsonObject
        {
            ["block_device_mapping_v2"] = new JsonArray(new JsonObject
            {
                ["uuid"] = _image, ["source_type"] = "image", ["destination_type"] = "volume", ["boot_index"] = 0,
                ["volume_size"] = 1, ["delete_on_termination"] = true,
            }),
        }, image: null);
        var shown = await ServerAsync(server);
        var volume = shown["os-extended-volumes:volumes_attached"]!.AsArray().Single()!["id"]!.GetValue<string>();
        var inUse = await VolumeAsync(volume);
        Assert.That(inUse["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
        Assert.That(inUse["volume_image_metadata"]!["image_id"]!.GetValue<string>(), Is.EqualTo(_image));
        Assert.That(Definition(server).Disks[0].Path, Is.EqualTo(VolumeFile(volume)));
        var head = new byte[13];
        await using (var file = File.OpenRead(VolumeFile(volume)))
            await file.ReadExactlyAsync(head);
        Assert.That(System.Text.Encoding.ASCII.GetString(head), Is.EqualTo("CLOUDBOX-ROOT"), "the volume holds the image's data");

        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{server}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        await WaitForVolumeAsync(volume, "gone");
        Assert.That(File.Exists(VolumeFile(volume)), Is.False);
    }

    [Test]
    public async Task Create_image_of_a_volume_backed_server_snapshots_its_volume_and_the_image_boots_a_volume_made_from_it()
    {
        var server = await CreateServerAsync(new JsonObject
        {
            ["block_device_mapping_v2"] = new JsonArray(new JsonObject
            {
                ["uuid"] = _image, ["source_type"] = "image", ["destination_type"] = "volume", ["boot_index"] = 0,
                ["volume_size"] = 1, ["delete_on_termination"] = true,
            }),
        }, image: null);
        var rootVolume = (await ServerAsync(server))["os-extended-volumes:volumes_attached"]!.AsArray().Single()!["id"]!.GetValue<string>();
        // What the guest wrote to its boot volume after it was made from the image.
        await using (var file = new FileStream(VolumeFile(rootVolume), FileMode.Open, FileAccess.Write))
        {
            file.Position = 8192;
            await file.WriteAsync("GUEST-STATE"u8.ToArray());
        }

        var name = Unique("bfv-snap");
        var (status, _, response) = await Nova(HttpMethod.Post, $"/servers/{server}/action", new JsonObject { ["createImage"] = new JsonObject { ["name"] = name } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        var imageId = response.Headers.Location!.ToString().Split('/')[^1];
        Assert.That((await WaitForServerAsync(server, "ACTIVE"))["OS-EXT-STS:task_state"], Is.Null);
        var (_, image, _) = await _cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{imageId}", _token);
        Assert.That((image!["name"]!.GetValue<string>(), image["status"]!.GetValue<string>(), image["size"]!.GetValue<long>()), Is.EqualTo((name, "active", 0L)));
        Assert.That(image["bdm_v2"]!.GetValue<string>(), Is.EqualTo("True"));
        Assert.That(image["root_device_name"]!.GetValue<string>(), Is.EqualTo("/dev/vda"));
        var mapping = JsonNode.Parse(image["block_device_mapping"]!.GetValue<string>())!.AsArray().Single()!;
        Assert.That((mapping["source_type"]!.GetValue<string>(), mapping["destination_type"]!.GetValue<string>(), mapping["boot_index"]!.GetValue<int>()),
            Is.EqualTo(("snapshot", "volume", 0)));
        var snapshotId = mapping["snapshot_id"]!.GetValue<string>();
        var (_, snapshot, _) = await Cinder(HttpMethod.Get, $"snapshots/{snapshotId}");
        Assert.That((snapshot!["snapshot"]!["volume_id"]!.GetValue<string>(), snapshot["snapshot"]!["status"]!.GetValue<string>()), Is.EqualTo((rootVolume, "available")));
        Assert.That(snapshot["snapshot"]!["name"]!.GetValue<string>(), Is.EqualTo($"snapshot for {name}"));

        // Booting from the image makes a new volume from the snapshot: the guest's state is on it.
        var clone = await CreateServerAsync(image: imageId);
        var shown = await ServerAsync(clone);
        Assert.That(shown["image"]!.GetValue<string>(), Is.Empty, "a volume-backed server shows no image");
        var cloneVolume = shown["os-extended-volumes:volumes_attached"]!.AsArray().Single()!["id"]!.GetValue<string>();
        Assert.That(cloneVolume, Is.Not.EqualTo(rootVolume));
        var made = await VolumeAsync(cloneVolume);
        Assert.That((made["snapshot_id"]!.GetValue<string>(), made["status"]!.GetValue<string>(), made["bootable"]!.GetValue<string>()), Is.EqualTo((snapshotId, "in-use", "true")));
        Assert.That(Definition(clone).Disks[0].Path, Is.EqualTo(VolumeFile(cloneVolume)));
        var state = new byte[11];
        await using (var file = File.OpenRead(VolumeFile(cloneVolume)))
        {
            file.Position = 8192;
            await file.ReadExactlyAsync(state);
        }
        Assert.That(System.Text.Encoding.ASCII.GetString(state), Is.EqualTo("GUEST-STATE"));

        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{clone}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{server}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Rebuild_of_a_volume_backed_server_keeps_its_image_and_refuses_another()
    {
        var server = await CreateServerAsync(new JsonObject
        {
            ["block_device_mapping_v2"] = new JsonArray(new JsonObject
            {
                ["uuid"] = _image, ["source_type"] = "image", ["destination_type"] = "volume", ["boot_index"] = 0,
                ["volume_size"] = 1, ["delete_on_termination"] = true,
            }),
        }, image: null);
        var rootVolume = (await ServerAsync(server))["os-extended-volumes:volumes_attached"]!.AsArray().Single()!["id"]!.GetValue<string>();
        var other = await CreateBootableImageAsync();

        var (refused, fault, _) = await Nova(HttpMethod.Post, $"/servers/{server}/action", new JsonObject { ["rebuild"] = new JsonObject { ["imageRef"] = other } });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(),
            Is.EqualTo($"Image {other} is unacceptable: Unable to rebuild with a different image for a volume-backed server."));
        Assert.That((await ServerAsync(server))["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), "nothing was started");

        var (rebuilt, body, _) = await Nova(HttpMethod.Post, $"/servers/{server}/action", new JsonObject { ["rebuild"] = new JsonObject { ["imageRef"] = _image } });
        Assert.That(rebuilt, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var shown = await WaitForServerAsync(server, "ACTIVE");
        Assert.That(shown["image"]!.GetValue<string>(), Is.Empty);
        Assert.That(Definition(server).Disks[0].Path, Is.EqualTo(VolumeFile(rootVolume)), "the same boot volume");
        Assert.That((await VolumeAsync(rootVolume))["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{server}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Boot_from_volume_refuses_what_cannot_boot()
    {
        var blank = await CreateVolumeAsync();
        var (status, body, _) = await Nova(HttpMethod.Post, "/servers", new JsonObject
        {
            ["server"] = new JsonObject
            {
                ["name"] = Unique("vm"), ["flavorRef"] = "1", ["networks"] = "none",
                ["block_device_mapping_v2"] = new JsonArray(new JsonObject { ["uuid"] = blank, ["source_type"] = "volume", ["destination_type"] = "volume", ["boot_index"] = 0 }),
            },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body?.ToJsonString());
        Assert.That(body!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("not bootable"));
        Assert.That((await VolumeAsync(blank))["status"]!.GetValue<string>(), Is.EqualTo("available"));

        var (tooBig, fault, _) = await Nova(HttpMethod.Post, "/servers", new JsonObject
        {
            ["server"] = new JsonObject
            {
                ["name"] = Unique("vm"), ["flavorRef"] = "1", ["networks"] = "none",
                ["block_device_mapping_v2"] = new JsonArray(new JsonObject
                {
                    ["uuid"] = _image, ["source_type"] = "image", ["destination_type"] = "volume", ["boot_index"] = 0, ["volume_size"] = 100000,
                }),
            },
        });
        Assert.That((int)tooBig, Is.EqualTo(413).Or.EqualTo(400), fault?.ToJsonString());
    }
}
