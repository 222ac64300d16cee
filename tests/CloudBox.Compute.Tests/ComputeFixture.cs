using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Images;
using CloudBox.Testing;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Runs a test class once per database engine against its own cloud with Images and Compute,
/// Compute on <see cref="InProcessFakeDriver"/>. Provides a bootable image set (kernel, ramdisk,
/// raw root disk naming them) and helpers to create servers and wait for their states.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public abstract class ComputeFixture(DatabaseEngine engine)
{
    protected TestCloud Cloud { get; private set; } = null!;
    protected InProcessFakeDriver Driver { get; } = new();
    protected string AdminToken { get; private set; } = "";
    protected string ImageId { get; private set; } = "";
    protected DatabaseEngine Engine => engine;

    /// <summary>Modules hosted beside Images and Compute (e.g. Networking for tests of servers' ports).</summary>
    protected virtual ICloudModule[] OtherModules => [];

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(engine, [
            new ImagesModule(),
            new ComputeModule(new ComputeSettings
            {
                Driver = _ => Driver,
                HostName = "test-node",
                BuildPollInterval = TimeSpan.FromMilliseconds(200),
                PowerSyncInterval = TimeSpan.FromMilliseconds(300),
            }),
            .. OtherModules,
        ]);
        AdminToken = await Cloud.AdminTokenAsync();
        ImageId = await CreateBootableImageAsync(AdminToken, "public");
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    protected Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Nova(HttpMethod method, string path, string token, JsonNode? body = null) =>
        Cloud.SendAsync(method, "/compute/v2.1" + path, token, body);

    /// <summary>A compute request at microversion <paramref name="version"/>.</summary>
    protected async Task<(HttpStatusCode Status, JsonNode? Body)> NovaAt(string version, HttpMethod method, string path, string token, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, "/compute/v2.1" + path);
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("OpenStack-API-Version", "compute " + version);
        if (body is not null)
            request.Content = System.Net.Http.Json.JsonContent.Create(body);
        var response = await Cloud.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    protected Task<string> UploadImageAsync(string token, JsonObject attributes, byte[] data) => Cloud.UploadImageAsync(token, attributes, data);

    /// <summary>A kernel (aki), a ramdisk (ari) and a 2 MiB raw disk that names them; returns the disk image's id.</summary>
    protected async Task<string> CreateBootableImageAsync(string token, string visibility = "private")
    {
        var kernel = await UploadImageAsync(token, new JsonObject { ["name"] = Unique("kernel"), ["disk_format"] = "aki", ["container_format"] = "aki", ["visibility"] = visibility }, Bytes(4096, 7));
        var ramdisk = await UploadImageAsync(token, new JsonObject { ["name"] = Unique("ramdisk"), ["disk_format"] = "ari", ["container_format"] = "ari", ["visibility"] = visibility }, Bytes(4096, 9));
        var disk = new byte[2 << 20];
        Bytes(65536, 3).CopyTo(disk, 0);
        return await UploadImageAsync(token, new JsonObject
        {
            ["name"] = Unique("disk"), ["disk_format"] = "raw", ["container_format"] = "bare", ["visibility"] = visibility,
            ["kernel_id"] = kernel, ["ramdisk_id"] = ramdisk, ["os_command_line"] = "console=ttyS0 root=/dev/vda",
        }, disk);
    }

    protected static byte[] Bytes(int length, byte seed)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
            data[i] = (byte)(seed + i * 31);
        return data;
    }

    protected async Task<(HttpStatusCode Status, JsonNode? Body)> CreateServerAsync(string token, string? image = null, string flavor = "1", JsonObject? extra = null)
    {
        var server = new JsonObject { ["name"] = Unique("vm"), ["imageRef"] = image ?? ImageId, ["flavorRef"] = flavor, ["networks"] = "none" };
        foreach (var (key, value) in extra ?? [])
            server[key] = value?.DeepClone();
        var (status, body, _) = await Nova(HttpMethod.Post, "/servers", token, new JsonObject { ["server"] = server });
        return (status, body);
    }

    protected async Task<string> CreateActiveServerAsync(string? token = null, JsonObject? extra = null)
    {
        var (status, body) = await CreateServerAsync(token ?? AdminToken, extra: extra);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["server"]!["id"]!.GetValue<string>();
        await WaitForStatusAsync(id, "ACTIVE", token);
        return id;
    }

    protected async Task<JsonObject> ShowServerAsync(string id, string? token = null)
    {
        var (status, body, _) = await Nova(HttpMethod.Get, $"/servers/{id}", token ?? AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return body!["server"]!.AsObject();
    }

    protected async Task<JsonObject> WaitForStatusAsync(string id, string status, string? token = null, int seconds = 20)
    {
        JsonObject server = null!;
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            server = await ShowServerAsync(id, token);
            var current = server["status"]!.GetValue<string>();
            if (current == status && server["OS-EXT-STS:task_state"] is null)
                return server;
            if (current == "ERROR")
                Assert.Fail($"server {id} went to ERROR while waiting for {status}: {server["fault"]?.ToJsonString()}");
            await Task.Delay(100);
        }
        Assert.Fail($"server {id} did not reach {status}: {server.ToJsonString()}");
        return server;
    }

    protected Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> ActAsync(string id, JsonObject action, string? token = null) =>
        Nova(HttpMethod.Post, $"/servers/{id}/action", token ?? AdminToken, action);

    /// <summary>A fresh project with a member user; returns the user's token and the project id.</summary>
    protected async Task<(string Token, string ProjectId)> NewMemberAsync()
    {
        var project = Unique("proj");
        var user = Unique("user");
        var (projectId, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, project, user, "pw-" + user, "member");
        return (await Cloud.TokenAsync(user, "pw-" + user, project), projectId);
    }
}
