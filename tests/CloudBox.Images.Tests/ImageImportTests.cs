using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Images.Tests;

public sealed class ImageImportTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    private async Task<JsonObject> WaitForStatusAsync(string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var image = await ShowAsync(AdminToken, id);
            if (image["status"]!.GetValue<string>() == status || DateTime.UtcNow > deadline)
                return image;
            await Task.Delay(100);
        }
    }

    [Test]
    public async Task Import_methods_are_advertised()
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/image/v2/info/import", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["import-methods"]!["value"]!.AsArray().Select(v => v!.GetValue<string>()), Is.SupersetOf(new[] { "glance-direct", "web-download" }));
    }

    [Test]
    public async Task Glance_direct_stages_then_imports_into_an_active_image_with_a_successful_task()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var data = RandomBytes(200_000);
        var staged = await PutDataAsync(AdminToken, $"/image/v2/images/{id}/stage", data);
        Assert.That(staged.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await ShowAsync(AdminToken, id))["status"]!.GetValue<string>(), Is.EqualTo("uploading"));

        var (accepted, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/import", AdminToken,
            new JsonObject { ["method"] = new JsonObject { ["name"] = "glance-direct" } });
        Assert.That(accepted, Is.EqualTo(HttpStatusCode.Accepted));

        var image = await WaitForStatusAsync(id, "active");
        Assert.That(image["status"]!.GetValue<string>(), Is.EqualTo("active"));
        Assert.That(image["size"]!.GetValue<long>(), Is.EqualTo(data.Length));
        var (_, tasks, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}/tasks", AdminToken);
        Assert.That(tasks!["tasks"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("success"));
        Assert.That(File.Exists(Path.Combine(Cloud.DataDirectory, "images", "staging", id)), Is.False);
    }

    [Test]
    public async Task Web_download_fetches_the_data_from_a_url()
    {
        var data = RandomBytes(150_000);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[4096];
            await stream.ReadAtLeastAsync(buffer, 1, throwOnEndOfStream: false);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {data.Length}\r\nConnection: close\r\n\r\n"));
            await stream.WriteAsync(data);
        });
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();

        var (accepted, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/import", AdminToken,
            new JsonObject { ["method"] = new JsonObject { ["name"] = "web-download", ["uri"] = $"http://127.0.0.1:{port}/disk.raw" } });
        Assert.That(accepted, Is.EqualTo(HttpStatusCode.Accepted));
        var image = await WaitForStatusAsync(id, "active");
        await server;
        Assert.That(image["size"]!.GetValue<long>(), Is.EqualTo(data.Length));
    }

    [Test]
    public async Task Import_refuses_unknown_methods_and_images_in_the_wrong_state()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var (unknown, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/import", AdminToken,
            new JsonObject { ["method"] = new JsonObject { ["name"] = "teleport" } });
        Assert.That(unknown, Is.EqualTo(HttpStatusCode.BadRequest));
        var (notStaged, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/import", AdminToken,
            new JsonObject { ["method"] = new JsonObject { ["name"] = "glance-direct" } });
        Assert.That(notStaged, Is.EqualTo(HttpStatusCode.Conflict));
        var (badUri, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/import", AdminToken,
            new JsonObject { ["method"] = new JsonObject { ["name"] = "web-download", ["uri"] = "file:///etc/shadow" } });
        Assert.That(badUri, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
