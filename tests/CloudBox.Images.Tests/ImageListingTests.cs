using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Images.Tests;

public sealed class ImageListingTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    private async Task<IReadOnlyList<string>> NamesAsync(string query)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/image/v2/images" + query, AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        return body!["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ToList();
    }

    [Test]
    public async Task Filters_by_name_tag_and_property()
    {
        var tag = Unique("tag");
        var name = Unique("filtered");
        await CreateImageAsync(AdminToken, new JsonObject { ["name"] = name, ["tags"] = new JsonArray(tag), ["os_distro"] = "debian" });
        await CreateImageAsync(AdminToken, new JsonObject { ["name"] = Unique("other"), ["os_distro"] = "fedora" });

        Assert.That(await NamesAsync($"?name={name}"), Is.EqualTo(new[] { name }));
        Assert.That(await NamesAsync($"?tag={tag}"), Is.EqualTo(new[] { name }));
        Assert.That(await NamesAsync($"?tag={tag}&os_distro=debian"), Is.EqualTo(new[] { name }));
        Assert.That(await NamesAsync($"?tag={tag}&os_distro=fedora"), Is.Empty);
    }

    [Test]
    public async Task Sorts_and_pages_with_a_next_link_that_walks_every_image_once()
    {
        var tag = Unique("page");
        var names = Enumerable.Range(0, 7).Select(i => $"{tag}-{i}").ToList();
        foreach (var name in names.AsEnumerable().Reverse())
            await CreateImageAsync(AdminToken, new JsonObject { ["name"] = name, ["tags"] = new JsonArray(tag) });

        var seen = new List<string>();
        var next = $"/image/v2/images?tag={tag}&sort_key=name&sort_dir=asc&limit=3";
        while (next is not null)
        {
            var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, next, AdminToken);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            seen.AddRange(body!["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
            next = body["next"] is { } link ? "/image" + link.GetValue<string>() : null;
        }
        Assert.That(seen, Is.EqualTo(names));
        Assert.That(await NamesAsync($"?tag={tag}&sort=name:desc&limit=2"), Is.EqualTo(new[] { names[6], names[5] }));
    }

    [Test]
    public async Task Hidden_images_are_left_out_unless_asked_for()
    {
        var name = Unique("hidden");
        await CreateImageAsync(AdminToken, new JsonObject { ["name"] = name, ["os_hidden"] = true });
        Assert.That(await NamesAsync($"?name={name}"), Is.Empty);
        Assert.That(await NamesAsync($"?name={name}&os_hidden=true"), Is.EqualTo(new[] { name }));
    }

    [TestCase("?sort_key=password")]
    [TestCase("?sort_dir=sideways")]
    [TestCase("?limit=-1")]
    [TestCase("?marker=00000000-0000-0000-0000-000000000000")]
    [TestCase("?visibility=everyone")]
    public async Task Bad_listing_parameters_are_400(string query)
    {
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, "/image/v2/images" + query, AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Version_discovery_answers_300_with_v2_current()
    {
        var response = await Cloud.Client.GetAsync("/image");
        Assert.That((int)response.StatusCode, Is.EqualTo(300));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(body["versions"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("CURRENT"));
        Assert.That(body["versions"]![0]!["id"]!.GetValue<string>(), Does.StartWith("v2."));
    }

    [Test]
    public async Task The_image_schema_describes_core_attributes()
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/image/v2/schemas/image", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["properties"]!["disk_format"]!["enum"]!.AsArray().Select(v => v?.GetValue<string>()), Does.Contain("qcow2"));
        Assert.That(body["additionalProperties"]!["type"]!.GetValue<string>(), Is.EqualTo("string"));
    }
}
