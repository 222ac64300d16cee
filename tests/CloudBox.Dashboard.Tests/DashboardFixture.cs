using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Compute;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Databases;
using CloudBox.Images;
using CloudBox.Networking;
using CloudBox.Objects;
using CloudBox.Orchestration;
using CloudBox.Telemetry;
using CloudBox.Testing;
using CloudBox.Volumes;

namespace CloudBox.Dashboard.Tests;

/// <summary>
/// A cloud with every module the dashboard drives (Identity, Images, Compute on <see cref="EchoDriver"/>, Networking
/// without a data plane, Volumes, Objects, Orchestration, Databases, Telemetry) plus the dashboard, and helpers for browser-like clients with cookie jars.
/// </summary>
public abstract class DashboardFixture
{
    protected TestCloud Cloud { get; private set; } = null!;
    protected EchoDriver Driver { get; } = new();
    protected string AdminToken { get; set; } = "";

    /// <summary>Whether the cloud runs Telemetry (Gnocchi and Aodh in the catalog).</summary>
    protected virtual bool WithTelemetry => true;

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, [
            new ImagesModule(),
            new ComputeModule(new ComputeSettings
            {
                Driver = _ => Driver,
                HostName = "dashboard-test",
                BuildPollInterval = TimeSpan.FromMilliseconds(200),
                PowerSyncInterval = TimeSpan.FromSeconds(30),
            }),
            new NetworkingModule(new NetworkSettings { DataPlane = false }),
            new VolumesModule(new VolumesSettings { WorkerPollInterval = TimeSpan.FromMilliseconds(200), CapacityGigabytes = 100 }),
            new ObjectsModule(),
            new OrchestrationModule(),
            new DatabasesModule(new DatabasesSettings { WorkerInterval = TimeSpan.FromMilliseconds(200) }),
            .. (WithTelemetry ? new ICloudModule[] { new TelemetryModule() } : []),
            new DashboardModule(),
        ]);
        AdminToken = await Cloud.AdminTokenAsync();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>An HTTP client that keeps cookies and does not follow redirects, as a browser tab would be observed.</summary>
    protected HttpClient Browser(out CookieContainer jar)
    {
        jar = new CookieContainer();
        return new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = new Uri(Cloud.BaseUrl) };
    }

    protected static Task<HttpResponseMessage> LoginAsync(HttpClient browser, string user, string password, string? project = null, string domain = "Default")
    {
        var fields = new Dictionary<string, string> { ["domain"] = domain, ["username"] = user, ["password"] = password };
        if (project is not null) fields["project"] = project;
        return browser.PostAsync("/dashboard/login", new FormUrlEncodedContent(fields));
    }

    protected static async Task<JsonNode> SessionAsync(HttpClient browser)
    {
        using var response = await browser.GetAsync("/dashboard/session");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>A raw disk image naming a kernel and ramdisk, as Compute's fake-driver tests boot; returns its id.</summary>
    protected async Task<string> CreateBootableImageAsync(string name)
    {
        var kernel = await Cloud.UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("kernel"), ["disk_format"] = "aki", ["container_format"] = "aki", ["visibility"] = "public" }, new byte[4096]);
        var ramdisk = await Cloud.UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("ramdisk"), ["disk_format"] = "ari", ["container_format"] = "ari", ["visibility"] = "public" }, new byte[4096]);
        return await Cloud.UploadImageAsync(AdminToken, new JsonObject
        {
            ["name"] = name, ["disk_format"] = "raw", ["container_format"] = "bare", ["visibility"] = "public",
            ["kernel_id"] = kernel, ["ramdisk_id"] = ramdisk, ["os_command_line"] = "console=ttyS0 root=/dev/vda",
        }, new byte[2 << 20]);
    }

    /// <summary>Creates a server with the admin's token and waits until it is ACTIVE; returns its id.</summary>
    protected async Task<string> CreateActiveServerAsync(string imageId)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/compute/v2.1/servers", AdminToken, new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = Unique("vm"), ["imageRef"] = imageId, ["flavorRef"] = "1", ["networks"] = "none" },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["server"]!["id"]!.GetValue<string>();
        for (var i = 0; i < 150; i++)
        {
            var (_, server, _) = await Cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}", AdminToken);
            var state = server!["server"]!["status"]!.GetValue<string>();
            if (state == "ACTIVE") return id;
            if (state == "ERROR") Assert.Fail($"server {id} went to ERROR: {server.ToJsonString()}");
            await Task.Delay(100);
        }
        Assert.Fail($"server {id} did not become ACTIVE");
        return id;
    }
}
