using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>Servers: create through the build pipeline, the fields clients read, refusals, listing, update and delete.</summary>
public sealed class ServerTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    [Test]
    public async Task A_created_server_builds_to_active_with_the_fields_clients_require()
    {
        var (status, body) = await CreateServerAsync(AdminToken, extra: new JsonObject { ["metadata"] = new JsonObject { ["role"] = "web" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var created = body!["server"]!;
        Assert.That(created["adminPass"]!.GetValue<string>(), Is.Not.Empty);
        var id = created["id"]!.GetValue<string>();

        var server = await WaitForStatusAsync(id, "ACTIVE");
        foreach (var field in new[] { "id", "name", "status", "image", "flavor", "user_id", "tenant_id", "created", "updated", "metadata", "links", "addresses", "hostId" })
            Assert.That(server.ContainsKey(field), Is.True, field);
        Assert.That(server["OS-EXT-STS:vm_state"]!.GetValue<string>(), Is.EqualTo("active"));
        Assert.That(server["OS-EXT-STS:power_state"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(server["OS-EXT-SRV-ATTR:host"]!.GetValue<string>(), Is.EqualTo("test-node"));
        Assert.That(server["image"]!["id"]!.GetValue<string>(), Is.EqualTo(ImageId));
        Assert.That(server["flavor"]!["id"]!.GetValue<string>(), Is.EqualTo("1"));
        Assert.That(server["metadata"]!["role"]!.GetValue<string>(), Is.EqualTo("web"));
        Assert.That(server["hostId"]!.GetValue<string>(), Is.Not.Empty);

        // The VM got its own root disk (grown to the flavor's 1 GiB, sparse), kernel and initrd, never the image file.
        var vm = Driver.Started[id];
        Assert.That(vm.Disks[0].Path, Does.StartWith(Path.Combine(Cloud.DataDirectory, "compute", "instances", id)));
        Assert.That(new FileInfo(vm.Disks[0].Path).Length, Is.EqualTo(1L << 30));
        Assert.That(vm.InitrdPath, Is.Not.Null);
        Assert.That(vm.CommandLine, Is.EqualTo("console=ttyS0 root=/dev/vda"));
        Assert.That(vm.MemoryMiB, Is.EqualTo(512));
        await using (var disk = File.OpenRead(vm.Disks[0].Path))
        {
            var head = new byte[65536];
            await disk.ReadExactlyAsync(head);
            Assert.That(head, Is.EqualTo(Bytes(65536, 3)));
        }
    }

    [Test]
    public async Task Bad_references_are_refused_with_novas_codes()
    {
        Assert.That((await CreateServerAsync(AdminToken, flavor: "no-such-flavor")).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CreateServerAsync(AdminToken, image: Guid.NewGuid().ToString())).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CreateServerAsync(AdminToken, extra: new JsonObject { ["key_name"] = "nope" })).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CreateServerAsync(AdminToken, extra: new JsonObject { ["user_data"] = "%%%not base64" })).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        var (_, queued, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", AdminToken,
            new JsonObject { ["name"] = Unique("queued"), ["disk_format"] = "raw", ["container_format"] = "bare" });
        var (status, body) = await CreateServerAsync(AdminToken, image: queued!["id"]!.GetValue<string>());
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), body?.ToJsonString());

        var (_, big, _) = await Nova(HttpMethod.Post, "/flavors", AdminToken, new JsonObject
        {
            ["flavor"] = new JsonObject { ["name"] = Unique("small-ram"), ["ram"] = 64, ["vcpus"] = 1, ["disk"] = 1 },
        });
        var hungry = await UploadImageAsync(AdminToken, new JsonObject
        {
            ["name"] = Unique("hungry"), ["disk_format"] = "raw", ["container_format"] = "bare", ["min_ram"] = 1024,
        }, Bytes(1024, 1));
        var (tooSmall, fault) = await CreateServerAsync(AdminToken, image: hungry, flavor: big!["flavor"]!["id"]!.GetValue<string>());
        Assert.That(tooSmall, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("memory is too small"));
    }

    [Test]
    public async Task Another_projects_server_is_not_found()
    {
        var (owner, _) = await NewMemberAsync();
        var (stranger, _) = await NewMemberAsync();
        var id = await CreateActiveServerAsync(owner);
        Assert.That((await Nova(HttpMethod.Get, $"/servers/{id}", stranger)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}", stranger)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await ActAsync(id, new JsonObject { ["os-stop"] = null }, stranger)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        var (_, list, _) = await Nova(HttpMethod.Get, "/servers", stranger);
        Assert.That(list!["servers"]!.AsArray(), Is.Empty);
        Assert.That((await Nova(HttpMethod.Get, "/servers?all_tenants=1", stranger)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        var (_, all, _) = await Nova(HttpMethod.Get, "/servers?all_tenants=1", AdminToken);
        Assert.That(all!["servers"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()), Does.Contain(id));
    }

    [Test]
    public async Task List_filters_pages_and_reports_changes_since_including_deletions()
    {
        var (member, _) = await NewMemberAsync();
        var first = await CreateActiveServerAsync(member);
        var second = await CreateActiveServerAsync(member);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await ActAsync(second, new JsonObject { ["os-stop"] = null }, member);

        var (_, shutoff, _) = await Nova(HttpMethod.Get, "/servers/detail?status=SHUTOFF", member);
        Assert.That(shutoff!["servers"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()), Is.EqualTo(new[] { second }));

        var name = (await ShowServerAsync(first, member))["name"]!.GetValue<string>();
        var (_, byName, _) = await Nova(HttpMethod.Get, $"/servers?name={name}", member);
        Assert.That(byName!["servers"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()), Is.EqualTo(new[] { first }));

        var (_, page, _) = await Nova(HttpMethod.Get, "/servers?limit=1", member);
        Assert.That(page!["servers"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(page["servers_links"]![0]!["href"]!.GetValue<string>(), Does.Contain("marker="));
        Assert.That((await Nova(HttpMethod.Get, $"/servers?marker={Guid.NewGuid()}", member)).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{first}", member)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        var since = Uri.EscapeDataString(before.ToString("yyyy-MM-ddTHH:mm:ssZ"));
        var (_, changed, _) = await Nova(HttpMethod.Get, $"/servers/detail?changes-since={since}", member);
        var statuses = changed!["servers"]!.AsArray().ToDictionary(s => s!["id"]!.GetValue<string>(), s => s!["status"]!.GetValue<string>());
        Assert.That(statuses[first], Is.EqualTo("DELETED"));
        Assert.That(statuses[second], Is.EqualTo("SHUTOFF"));
        var (_, live, _) = await Nova(HttpMethod.Get, "/servers", member);
        Assert.That(live!["servers"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()), Is.EqualTo(new[] { second }));
    }

    [Test]
    public async Task List_sorts_pages_and_filters_by_name_in_the_database_following_next_links()
    {
        var (member, _) = await NewMemberAsync();
        var (stranger, _) = await NewMemberAsync();
        var prefix = Unique("page");
        var names = new[] { "d", "b", "e", "a", "c" }.Select(n => $"{prefix}-{n}").ToList();
        var ids = new List<string>();
        foreach (var name in names)
        {
            var (status, body) = await CreateServerAsync(member, extra: new JsonObject { ["name"] = name });
            Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
            ids.Add(body!["server"]!["id"]!.GetValue<string>());
        }
        // Settled first: a page walk over a key that changes between pages (a build moving vm_state) may meet a server twice, in Nova too.
        foreach (var id in ids)
            await WaitForStatusAsync(id, "ACTIVE", member);

        // Every page of two, following servers_links, in either direction: each server once, in name order.
        async Task<List<string>> WalkAsync(string? path)
        {
            var seen = new List<string>();
            for (var pages = 0; path is not null; pages++)
            {
                Assert.That(pages, Is.LessThan(5), "more pages than servers");
                var (status, body, _) = await Nova(HttpMethod.Get, path, member);
                Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
                seen.AddRange(body!["servers"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
                var next = body["servers_links"]?[0]?["href"]?.GetValue<string>();
                path = next is null ? null : next[(next.IndexOf("/v2.1/", StringComparison.Ordinal) + "/v2.1".Length)..];
            }
            return seen;
        }
        Assert.That(await WalkAsync("/servers?limit=2&sort_key=display_name&sort_dir=asc"), Is.EqualTo(names.Order()));
        Assert.That(await WalkAsync("/servers/detail?limit=2&sort_key=display_name&sort_dir=desc"), Is.EqualTo(names.OrderDescending()));
        // Nova's default order is newest first; a regular expression filter pages too.
        Assert.That(await WalkAsync("/servers?limit=2"), Is.EqualTo(Enumerable.Reverse(names)));
        Assert.That(await WalkAsync($"/servers?limit=1&sort_key=display_name&sort_dir=asc&name=^{prefix}-[ace]$"),
            Is.EqualTo(new[] { $"{prefix}-a", $"{prefix}-c", $"{prefix}-e" }));
        // A plain name filter is a case-insensitive substring; LIKE's own wildcards are plain characters in it.
        Assert.That(await WalkAsync($"/servers?name={prefix.ToUpperInvariant()}-B"), Is.EqualTo(new[] { $"{prefix}-b" }));
        Assert.That(await WalkAsync($"/servers?name={prefix}%25"), Is.Empty);
        // Anchors as clients send them for an exact look-up (^name$) or a prefix.
        Assert.That(await WalkAsync($"/servers?name=^{prefix}-b$"), Is.EqualTo(new[] { $"{prefix}-b" }));
        Assert.That(await WalkAsync($"/servers?name=^{prefix}-"), Is.EquivalentTo(names));
        Assert.That(await WalkAsync($"/servers?name=^{prefix[1..]}"), Is.Empty, "anchored at the start");
        Assert.That(await WalkAsync($"/servers?name={prefix}-$"), Is.Empty, "anchored at the end");
        // Keys where servers tie (or NULLs sort as empty) still page each server exactly once: the keyset goes on by created_at, then id.
        foreach (var key in new[] { "vm_state", "task_state", "config_drive", "power_state", "key_name", "launched_at", "uuid", "availability_zone", "kernel_id" })
        {
            foreach (var direction in new[] { "asc", "desc" })
                Assert.That(await WalkAsync($"/servers?limit=2&sort_key={key}&sort_dir={direction}"), Is.EquivalentTo(names), $"{key} {direction}");
        }
        // Sorting by where a server runs is not a member's to ask: Nova ignores the key.
        Assert.That(await WalkAsync("/servers?sort_key=host&sort_dir=asc&sort_key=display_name&sort_dir=asc"), Is.EqualTo(names.Order()));

        // A marker the caller cannot see is unknown: Nova's 400 in its fault format.
        var (refused, fault, _) = await Nova(HttpMethod.Get, $"/servers?marker={ids[0]}", stranger);
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Is.EqualTo($"marker [{ids[0]}] not found"));
        var (limitRefused, limitFault, _) = await Nova(HttpMethod.Get, "/servers?limit=-1", member);
        Assert.That(limitRefused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(limitFault!["badRequest"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
    }

    [Test]
    public async Task Show_and_the_detail_list_give_the_same_body_with_the_fields_of_each_microversion()
    {
        var (member, _) = await NewMemberAsync();
        var id = await CreateActiveServerAsync(member, new JsonObject { ["metadata"] = new JsonObject { ["role"] = "db" } });
        Assert.That((await NovaAt("2.26", HttpMethod.Put, $"/servers/{id}/tags/blue", member)).Status, Is.EqualTo(HttpStatusCode.Created));
        // Fields each microversion adds (2.3 extended attributes and 2.16 host_status for admins only).
        var added = new (string Version, string Field, bool AdminOnly)[]
        {
            ("2.3", "OS-EXT-SRV-ATTR:kernel_id", true), ("2.9", "locked", false), ("2.16", "host_status", true),
            ("2.19", "description", false), ("2.26", "tags", false),
        };
        foreach (var version in new[] { "2.1", "2.3", "2.9", "2.16", "2.19", "2.26", "2.37" })
        {
            foreach (var (token, admin) in new[] { (member, false), (AdminToken, true) })
            {
                var (showStatus, shown) = await NovaAt(version, HttpMethod.Get, $"/servers/{id}", token);
                Assert.That(showStatus, Is.EqualTo(HttpStatusCode.OK), shown?.ToJsonString());
                var (_, listed) = await NovaAt(version, HttpMethod.Get, admin ? "/servers/detail?all_tenants=1" : "/servers/detail", token);
                var inList = listed!["servers"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == id)!;
                Assert.That(JsonNode.DeepEquals(inList, shown!["server"]), Is.True, $"{version} admin={admin}: {inList.ToJsonString()} vs {shown["server"]!.ToJsonString()}");

                var server = shown["server"]!.AsObject();
                Assert.That(server["metadata"]!["role"]!.GetValue<string>(), Is.EqualTo("db"));
                // Nova's two timestamp forms: seconds with Z for created/updated, microseconds without a zone for launched_at.
                Assert.That(server["created"]!.GetValue<string>(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
                Assert.That(server["updated"]!.GetValue<string>(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
                Assert.That(server["OS-SRV-USG:launched_at"]!.GetValue<string>(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"));
                Assert.That(server["os-extended-volumes:volumes_attached"]!.AsArray(), Is.Empty);
                Assert.That(server.ContainsKey("OS-EXT-SRV-ATTR:host"), Is.EqualTo(admin), $"{version} admin={admin}");
                foreach (var (since, field, adminOnly) in added)
                {
                    var expected = Version.Parse(version) >= Version.Parse(since) && (admin || !adminOnly);
                    Assert.That(server.ContainsKey(field), Is.EqualTo(expected), $"{field} at {version} admin={admin}");
                }
                if (Version.Parse(version) >= Version.Parse("2.26"))
                    Assert.That(server["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "blue" }));
            }
        }
    }

    [Test]
    public async Task Update_renames_and_delete_removes_the_vm_and_its_files()
    {
        var id = await CreateActiveServerAsync();
        var (status, body, _) = await Nova(HttpMethod.Put, $"/servers/{id}", AdminToken, new JsonObject { ["server"] = new JsonObject { ["name"] = "renamed" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["server"]!["name"]!.GetValue<string>(), Is.EqualTo("renamed"));

        var directory = Path.Combine(Cloud.DataDirectory, "compute", "instances", id);
        Assert.That(Directory.Exists(directory), Is.True);
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Driver.CountOf("destroy", id), Is.EqualTo(1));
        Assert.That(Directory.Exists(directory), Is.False);
        Assert.That((await Nova(HttpMethod.Get, $"/servers/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Metadata_is_merged_replaced_and_deleted_by_key()
    {
        var id = await CreateActiveServerAsync();
        await Nova(HttpMethod.Post, $"/servers/{id}/metadata", AdminToken, new JsonObject { ["metadata"] = new JsonObject { ["a"] = "1", ["b"] = "2" } });
        await Nova(HttpMethod.Put, $"/servers/{id}/metadata/c", AdminToken, new JsonObject { ["meta"] = new JsonObject { ["c"] = "3" } });
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}/metadata/a", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        var (_, body, _) = await Nova(HttpMethod.Get, $"/servers/{id}/metadata", AdminToken);
        Assert.That(body!["metadata"]!.AsObject().Select(p => p.Key).Order(), Is.EqualTo(new[] { "b", "c" }));
        var (_, replaced, _) = await Nova(HttpMethod.Put, $"/servers/{id}/metadata", AdminToken, new JsonObject { ["metadata"] = new JsonObject { ["z"] = "9" } });
        Assert.That(replaced!["metadata"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "z" }));
        Assert.That((await Nova(HttpMethod.Get, $"/servers/{id}/metadata/b", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_config_drive_is_an_iso_labelled_config_2_with_the_metadata_and_user_data()
    {
        var keyName = Unique("key");
        await Nova(HttpMethod.Post, "/os-keypairs", AdminToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = keyName } });
        var userData = "#cloud-config\nruncmd: [echo hello]\n";
        var id = await CreateActiveServerAsync(extra: new JsonObject
        {
            ["config_drive"] = true,
            ["key_name"] = keyName,
            ["user_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(userData)),
        });
        var vm = Driver.Started[id];
        Assert.That(vm.Disks, Has.Count.EqualTo(2));
        Assert.That(vm.Disks[1].ReadOnly, Is.True);
        var iso = await File.ReadAllBytesAsync(vm.Disks[1].Path);
        Assert.That(Encoding.ASCII.GetString(iso, 16 * 2048 + 1, 5), Is.EqualTo("CD001"));
        Assert.That(Encoding.ASCII.GetString(iso, 16 * 2048 + 40, 32).TrimEnd(), Is.EqualTo("config-2"));
        var text = Encoding.UTF8.GetString(iso);
        Assert.That(text, Does.Contain("meta_data.json;1"));
        Assert.That(text, Does.Contain($"\"uuid\":\"{id}\""));
        Assert.That(text, Does.Contain(userData));
        Assert.That(text, Does.Contain("\"public_keys\":{\"" + keyName));
        Assert.That((await ShowServerAsync(id))["config_drive"]!.GetValue<string>(), Is.EqualTo("True"));
    }
}
