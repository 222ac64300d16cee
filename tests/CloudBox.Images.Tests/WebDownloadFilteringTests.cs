using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Images.Import;

namespace CloudBox.Images.Tests;

/// <summary>
/// web-download is no server-side request forgery: with the default filters nothing inside the
/// host is reachable (by address, by a name that resolves inward, or by a redirect), only ports
/// 80 and 443, and a failed task tells the user nothing about what answered.
/// </summary>
public sealed class WebDownloadFilteringTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    /// <summary>Glance's defaults, except any port: so that a loopback server on a random port is refused for its address, not its port.</summary>
    protected override void Configure(CloudBoxOptions options) => options.ImageImportAllowedPorts = "";

    [Test]
    public void The_default_filter_refuses_internal_addresses_other_ports_and_schemes()
    {
        var filter = new WebDownloadFilter(new CloudBoxOptions());
        foreach (var refused in new[]
        {
            "http://127.0.0.1/", "http://127.1.2.3/", "http://[::1]/", "http://10.0.0.1/", "http://172.16.5.5/", "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", "http://224.0.0.1/", "http://100.64.0.1/", "http://[fd00::1]/",
            "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://93.184.216.34:8080/", "ftp://93.184.216.34/", "file:///etc/shadow",
        })
        {
            Assert.That(filter.Refusal(new Uri(refused)), Is.Not.Null, refused);
        }
        Assert.That(filter.Refusal(new Uri("http://93.184.216.34/disk.img")), Is.Null);
        Assert.That(filter.Refusal(new Uri("https://images.example.org/disk.img")), Is.Null);
        Assert.That(filter.Refusal("images.example.org", IPAddress.Parse("127.0.0.1")), Is.Not.Null, "a name resolving inward");

        var configured = new WebDownloadFilter(new CloudBoxOptions
        {
            ImageImportAllowedHosts = "mirror.internal,10.9.0.0/16", ImageImportAllowedPorts = "8080", ImageImportDisallowedHosts = "bad.example.org",
        });
        Assert.That(configured.Refusal(new Uri("http://mirror.internal:8080/x")), Is.Null);
        Assert.That(configured.Refusal("mirror.internal", IPAddress.Parse("10.1.1.1")), Is.Null, "an allowed host may be internal");
        Assert.That(configured.Refusal(new Uri("http://10.9.3.4:8080/x")), Is.Null);
        Assert.That(configured.Refusal(new Uri("http://10.8.3.4:8080/x")), Is.Not.Null);
        Assert.That(configured.Refusal(new Uri("http://mirror.internal/x")), Is.Not.Null, "port 80 is not in the list");
        Assert.That(configured.Refusal(new Uri("http://bad.example.org:8080/x")), Is.Not.Null);
    }

    [Test]
    public async Task Loopback_urls_are_refused_and_a_name_resolving_inward_is_never_connected_to()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        foreach (var uri in new[] { $"http://127.0.0.1:{port}/disk.raw", $"http://[::ffff:127.0.0.1]:{port}/disk.raw" })
        {
            var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
            var (status, body, _) = await Import(id, uri);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), uri + " " + body?.ToJsonString());
        }

        // Names are resolved at connect time: the URL passes, the connection does not.
        foreach (var uri in new[] { $"http://localhost:{port}/disk.raw", $"http://2130706433:{port}/disk.raw" })
        {
            var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
            var (status, body, _) = await Import(id, uri);
            if (status == HttpStatusCode.BadRequest)
                continue; // refused as an address already
            Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
            var task = await FinishedTaskAsync(id);
            Assert.That(task["status"]!.GetValue<string>(), Is.EqualTo("failure"), uri);
            Assert.That(task["message"]!.GetValue<string>(), Is.EqualTo("The image could not be downloaded."), "no detail for the user");
            Assert.That((await ShowAsync(AdminToken, id))["status"]!.GetValue<string>(), Is.EqualTo("queued"));
        }
        Assert.That(listener.Pending(), Is.False, "nothing connected to the loopback server");
    }

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Import(string id, string uri) =>
        Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/import", AdminToken,
            new JsonObject { ["method"] = new JsonObject { ["name"] = "web-download", ["uri"] = uri } });

    private async Task<JsonObject> FinishedTaskAsync(string imageId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{imageId}/tasks", AdminToken);
            var task = body?["tasks"]?.AsArray().FirstOrDefault()?.AsObject();
            if (task?["status"]?.GetValue<string>() is "success" or "failure" || DateTime.UtcNow > deadline)
                return task ?? throw new AssertionException("no task");
            await Task.Delay(100);
        }
    }
}

/// <summary>With an internal mirror allowed (the fixture's configuration), a redirect from it still may not lead elsewhere inside.</summary>
public sealed class WebDownloadRedirectTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    [Test]
    public async Task A_redirect_to_a_host_that_is_not_allowed_is_not_followed()
    {
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var targetPort = ((IPEndPoint)target.LocalEndpoint).Port;
        using var mirror = new TcpListener(IPAddress.Loopback, 0);
        mirror.Start();
        var mirrorPort = ((IPEndPoint)mirror.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await mirror.AcceptTcpClientAsync();
            var stream = client.GetStream();
            await stream.ReadAtLeastAsync(new byte[4096], 1, throwOnEndOfStream: false);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 302 Found\r\nLocation: http://localhost:{targetPort}/secret\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        });
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/import", AdminToken,
            new JsonObject { ["method"] = new JsonObject { ["name"] = "web-download", ["uri"] = $"http://127.0.0.1:{mirrorPort}/disk.raw" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        await server.WaitAsync(TimeSpan.FromSeconds(20));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonNode? task = null;
        while (DateTime.UtcNow < deadline)
        {
            var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}/tasks", AdminToken);
            task = body?["tasks"]?.AsArray().FirstOrDefault();
            if (task?["status"]?.GetValue<string>() is "success" or "failure")
                break;
            await Task.Delay(100);
        }
        Assert.That(task?["status"]?.GetValue<string>(), Is.EqualTo("failure"), task?.ToJsonString());
        Assert.That(task!["message"]!.GetValue<string>(), Is.EqualTo("The image could not be downloaded."));
        Assert.That(target.Pending(), Is.False, "the redirect target was never contacted");
    }
}
