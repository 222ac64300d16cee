using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Images.Tests;

/// <summary>Runs a test class once per database engine against its own cloud with the Images module.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public abstract class ImagesFixture(DatabaseEngine engine)
{
    /// <summary>Small enough that a test can exceed it cheaply.</summary>
    protected const long MaxImageBytes = 4 << 20;

    protected TestCloud Cloud { get; private set; } = null!;
    protected string AdminToken { get; set; } = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(engine, Configure, new ImagesModule(new ImagesSettings
        {
            MaxImageBytes = MaxImageBytes,
            ImportPollInterval = TimeSpan.FromMilliseconds(200),
        }));
        AdminToken = await Cloud.AdminTokenAsync();
    }

    /// <summary>
    /// The cloud's configuration: web-download may reach this machine's loopback test servers on any
    /// port, as an operator would allow an internal mirror (Glance's allowed_hosts and allowed_ports).
    /// </summary>
    protected virtual void Configure(CloudBoxOptions options)
    {
        options.ImageImportAllowedHosts = "127.0.0.1";
        options.ImageImportAllowedPorts = "";
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    protected async Task<JsonObject> CreateImageAsync(string token, JsonObject attributes)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", token, attributes);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return body!.AsObject();
    }

    protected Task<JsonObject> CreateRawImageAsync(string token, string? name = null) =>
        CreateImageAsync(token, new JsonObject { ["name"] = name ?? Unique("img"), ["disk_format"] = "raw", ["container_format"] = "bare" });

    protected Task<HttpResponseMessage> PutDataAsync(string token, string path, byte[] data)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(data) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("X-Auth-Token", token);
        return Cloud.Client.SendAsync(request);
    }

    protected async Task<HttpResponseMessage> PatchAsync(string token, string id, string operations, string mediaType = "application/openstack-images-v2.1-json-patch")
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/image/v2/images/{id}") { Content = new StringContent(operations, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        request.Headers.Add("X-Auth-Token", token);
        return await Cloud.Client.SendAsync(request);
    }

    protected async Task<JsonObject> ShowAsync(string token, string id)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        return body!.AsObject();
    }

    protected static byte[] RandomBytes(int length)
    {
        var data = new byte[length];
        Random.Shared.NextBytes(data);
        return data;
    }
}
