using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Images.Tests;

public sealed class ImagePatchTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    [Test]
    public async Task Patch_adds_replaces_and_removes_attributes_and_properties()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var response = await PatchAsync(AdminToken, id, """
            [{"op": "replace", "path": "/name", "value": "renamed"},
             {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
             {"op": "add", "path": "/os_distro", "value": "debian"},
             {"op": "replace", "path": "/tags", "value": ["a", "b"]},
             {"op": "replace", "path": "/min_ram", "value": 512}]
            """);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var afterAdd = await ShowAsync(AdminToken, id);
        Assert.Multiple(() =>
        {
            Assert.That(afterAdd["name"]!.GetValue<string>(), Is.EqualTo("renamed"));
            Assert.That(afterAdd["hw_disk_bus"]!.GetValue<string>(), Is.EqualTo("virtio"));
            Assert.That(afterAdd["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EquivalentTo(new[] { "a", "b" }));
            Assert.That(afterAdd["min_ram"]!.GetValue<int>(), Is.EqualTo(512));
        });

        var remove = await PatchAsync(AdminToken, id, """[{"op": "remove", "path": "/os_distro"}]""");
        Assert.That(remove.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ShowAsync(AdminToken, id)).ContainsKey("os_distro"), Is.False);
    }

    [Test]
    public async Task The_older_v2_0_patch_dialect_is_understood()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var response = await PatchAsync(AdminToken, id, """[{"replace": "/name", "value": "old-style"}]""", "application/openstack-images-v2.0-json-patch");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ShowAsync(AdminToken, id))["name"]!.GetValue<string>(), Is.EqualTo("old-style"));
    }

    [TestCase("""[{"op": "replace", "path": "/status", "value": "active"}]""", HttpStatusCode.Forbidden)]
    [TestCase("""[{"op": "replace", "path": "/checksum", "value": "x"}]""", HttpStatusCode.Forbidden)]
    [TestCase("""[{"op": "replace", "path": "/no_such_property", "value": "x"}]""", HttpStatusCode.Conflict)]
    [TestCase("""[{"op": "remove", "path": "/no_such_property"}]""", HttpStatusCode.Conflict)]
    [TestCase("""[{"op": "remove", "path": "/name"}]""", HttpStatusCode.Forbidden)]
    [TestCase("""[{"op": "add", "path": "/custom", "value": 5}]""", HttpStatusCode.BadRequest)]
    [TestCase("""[{"op": "replace", "path": "/visibility", "value": "everyone"}]""", HttpStatusCode.BadRequest)]
    [TestCase("""[{"op": "move", "path": "/name", "from": "/x"}]""", HttpStatusCode.BadRequest)]
    [TestCase("""[{"op": "add", "path": "/a/b", "value": "x"}]""", HttpStatusCode.BadRequest)]
    [TestCase("""{"op": "add"}""", HttpStatusCode.BadRequest)]
    public async Task Invalid_patches_are_refused_and_change_nothing(string operations, HttpStatusCode expected)
    {
        var id = (await CreateRawImageAsync(AdminToken, "untouched"))["id"]!.GetValue<string>();
        var response = await PatchAsync(AdminToken, id, operations);
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        var shown = await ShowAsync(AdminToken, id);
        Assert.That(shown["name"]!.GetValue<string>(), Is.EqualTo("untouched"));
        Assert.That(shown["status"]!.GetValue<string>(), Is.EqualTo("queued"));
    }

    [Test]
    public async Task A_patch_must_use_the_json_patch_media_type()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var response = await PatchAsync(AdminToken, id, """[{"op": "replace", "path": "/name", "value": "x"}]""", "application/json");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
    }

    [Test]
    public async Task Create_refuses_read_only_and_reserved_attributes_and_duplicate_ids()
    {
        var (readOnly, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", AdminToken, new JsonObject { ["status"] = "active" });
        Assert.That(readOnly, Is.EqualTo(HttpStatusCode.Forbidden));
        var (reserved, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", AdminToken, new JsonObject { ["location"] = "file:///etc/passwd" });
        Assert.That(reserved, Is.EqualTo(HttpStatusCode.Forbidden));
        var (badFormat, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", AdminToken, new JsonObject { ["disk_format"] = "exe" });
        Assert.That(badFormat, Is.EqualTo(HttpStatusCode.BadRequest));

        var id = Guid.NewGuid().ToString();
        await CreateImageAsync(AdminToken, new JsonObject { ["id"] = id });
        var (duplicate, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", AdminToken, new JsonObject { ["id"] = id });
        Assert.That(duplicate, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task Stock_client_properties_are_accepted_at_create()
    {
        var image = await CreateImageAsync(AdminToken, new JsonObject
        {
            ["name"] = Unique("osc"), ["disk_format"] = "qcow2", ["container_format"] = "bare",
            ["owner_specified.openstack.md5"] = "", ["owner_specified.openstack.sha256"] = "", ["owner_specified.openstack.object"] = "images/x",
        });
        Assert.That(image["owner_specified.openstack.object"]!.GetValue<string>(), Is.EqualTo("images/x"));
    }
}
