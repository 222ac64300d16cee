using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Images;

namespace CloudBox.Orchestration.Tests;

/// <summary>
/// <c>OS::Glance::WebImage</c> against a real host with Images, whose web-download fetches the data from
/// an HTTP listener of the test (loopback allowed by the host's import filter for this fixture only).
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public sealed class WebImageTests(DatabaseEngine engine) : HeatFixture(engine)
{
    private readonly byte[] _data = RandomNumberGenerator.GetBytes(64 * 1024);
    private HttpListener _listener = null!;
    private string _base = "";
    private Task _serving = Task.CompletedTask;

    protected override ICloudModule[] Modules() => [new ImagesModule(), new OrchestrationModule()];

    protected override void Configure(CloudBoxOptions options)
    {
        options.ImageImportAllowedHosts = "127.0.0.1";
        options.ImageImportAllowedPorts = "";
    }

    [OneTimeSetUp]
    public void Serve()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _base = $"http://127.0.0.1:{port}/";
        _listener = new HttpListener();
        _listener.Prefixes.Add(_base);
        _listener.Start();
        _serving = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext request;
                try
                {
                    request = await _listener.GetContextAsync();
                }
                catch (Exception error) when (error is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var response = request.Response;
                if (request.Request.Url!.AbsolutePath == "/disk.raw")
                {
                    response.ContentType = "application/octet-stream";
                    response.ContentLength64 = _data.Length;
                    await response.OutputStream.WriteAsync(_data);
                }
                else
                {
                    response.StatusCode = 404;
                }
            }
        });
    }

    [OneTimeTearDown]
    public async Task StopServingAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }

    private string Template(string path, string distro, string tags) =>
        $$$"""
        heat_template_version: 2018-08-31
        resources:
          image:
            type: OS::Glance::WebImage
            properties:
              name: web-disk
              location: {{{_base}}}{{{path}}}
              disk_format: raw
              container_format: bare
              min_disk: 1
              min_ram: 64
              architecture: x86_64
              os_distro: {{{distro}}}
              tags: {{{tags}}}
              extra_properties: {hw_rng_model: virtio}
        outputs:
          status: {value: {get_attr: [image, status]}}
          size: {value: {get_attr: [image, size]}}
          id: {value: {get_resource: image}}
        """;

    [Test]
    public async Task AnImageIsImportedFromItsUrlUpdatedInPlaceAndDeletedWithTheStack()
    {
        var stack = await StackAsync("web", new JsonObject { ["stack_name"] = "web", ["template"] = Template("disk.raw", "debian", "[one, two]") }, "CREATE_COMPLETE");
        var id = await PhysicalIdAsync("web", "image");
        Assert.That(Output(stack, "status"), Is.EqualTo("active"));
        Assert.That(Output(stack, "size"), Is.EqualTo(_data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(Output(stack, "id"), Is.EqualTo(id));
        var (_, image, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", Token);
        Assert.That(image!["name"]!.ToString(), Is.EqualTo("web-disk"));
        Assert.That(image["min_disk"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(image["min_ram"]!.GetValue<int>(), Is.EqualTo(64));
        Assert.That(image["os_distro"]!.ToString(), Is.EqualTo("debian"));
        Assert.That(image["hw_rng_model"]!.ToString(), Is.EqualTo("virtio"));
        Assert.That(image["tags"]!.AsArray().Select(t => t!.ToString()), Is.EquivalentTo(new[] { "one", "two" }));
        var file = await Cloud.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/image/v2/images/{id}/file") { Headers = { { "X-Auth-Token", Token } } });
        Assert.That(await file.Content.ReadAsByteArrayAsync(), Is.EqualTo(_data), "the image holds the bytes the URL served");

        await StackAsync("web", new JsonObject { ["template"] = Template("disk.raw", "ubuntu", "[two, three]") }, "UPDATE_COMPLETE", HttpMethod.Put, stack["id"]!.ToString());
        Assert.That(await PhysicalIdAsync("web", "image"), Is.EqualTo(id), "metadata changes in place");
        (_, image, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", Token);
        Assert.That(image!["os_distro"]!.ToString(), Is.EqualTo("ubuntu"));
        Assert.That(image["tags"]!.AsArray().Select(t => t!.ToString()), Is.EquivalentTo(new[] { "two", "three" }));

        await Cloud.SendAsync(HttpMethod.Delete, Url($"/stacks/web/{stack["id"]}"), Token);
        for (var i = 0; i < 300 && (await Cloud.SendAsync(HttpMethod.Get, Url("/stacks/web"), Token)).Status != HttpStatusCode.NotFound; i++)
            await Task.Delay(100);
        Assert.That((await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", Token)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AnImportThatFailsFailsTheResourceWithTheImportsMessage()
    {
        var stack = await StackAsync("web-bad", new JsonObject { ["stack_name"] = "web-bad", ["template"] = Template("missing.raw", "debian", "[]"), ["disable_rollback"] = true }, "CREATE_FAILED");
        Assert.That(stack["stack_status_reason"]!.ToString(), Does.Contain("could not be downloaded").And.Contain("missing.raw"));
        var (_, resource, _) = await Cloud.SendAsync(HttpMethod.Get, Url("/stacks/web-bad/resources/image"), Token);
        Assert.That(resource!["resource"]!["resource_status"]!.ToString(), Is.EqualTo("CREATE_FAILED"));
        var id = resource["resource"]!["physical_resource_id"]!.ToString();
        await Cloud.SendAsync(HttpMethod.Delete, Url($"/stacks/web-bad/{stack["id"]}"), Token);
        for (var i = 0; i < 300 && (await Cloud.SendAsync(HttpMethod.Get, Url("/stacks/web-bad"), Token)).Status != HttpStatusCode.NotFound; i++)
            await Task.Delay(100);
        Assert.That((await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", Token)).Status, Is.EqualTo(HttpStatusCode.NotFound), "the failed image goes with the stack");
    }
}
