using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Compute;
using CloudBox.Compute.Tests;
using CloudBox.Core.Data;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Guest;
using CloudBox.Images;
using CloudBox.Networking;
using CloudBox.Testing;
using CloudBox.Volumes;

namespace CloudBox.Databases.Tests;

/// <summary>
/// A cloud with Identity, Images, Compute (on the in-memory fake driver, so servers become ACTIVE at once),
/// Volumes, Networking (API only) and Databases; a registered PostgreSQL datastore whose image boots; and
/// a member of a project of its own.
/// </summary>
public abstract class DatabasesFixture(DatabaseEngine engine)
{
    protected TestCloud Cloud { get; private set; } = null!;
    protected InProcessFakeDriver Driver { get; } = new();
    protected string AdminToken { get; private set; } = "";
    protected string AdminProjectId { get; private set; } = "";
    protected string MemberToken { get; private set; } = "";
    protected string ProjectId { get; private set; } = "";
    protected string VersionId { get; private set; } = "";
    /// <summary>The bootable image the PostgreSQL version boots, for tests that register more datastores.</summary>
    protected string ImageId { get; private set; } = "";
    protected DatabaseEngine Engine => engine;

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(engine, [
            new ImagesModule(),
            new ComputeModule(new ComputeSettings
            {
                Driver = _ => Driver,
                HostName = "test-node",
                BuildPollInterval = TimeSpan.FromMilliseconds(100),
                PowerSyncInterval = TimeSpan.FromMilliseconds(300),
            }),
            new VolumesModule(new VolumesSettings { WorkerPollInterval = TimeSpan.FromMilliseconds(100), CapacityGigabytes = 100 }),
            new NetworkingModule(new NetworkSettings { DataPlane = false }),
            new CloudBox.Objects.ObjectsModule(),
            new DatabasesModule(new DatabasesSettings { WorkerInterval = TimeSpan.FromMilliseconds(100), AgentCallTimeout = TimeSpan.FromSeconds(30), BackupSegmentBytes = 256 * 1024 }),
        ]);
        AdminToken = await Cloud.AdminTokenAsync();
        AdminProjectId = (await TokenProjectAsync(AdminToken))!;
        var projectName = Unique("dbproj");
        var user = Unique("dbuser");
        (ProjectId, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, projectName, user, "pw", "member");
        MemberToken = await Cloud.TokenAsync(user, "pw", projectName);

        var image = ImageId = await CreateBootableImageAsync();
        var (created, version, _) = await Trove(HttpMethod.Post, AdminProjectId, "/mgmt/datastore-versions", AdminToken, new JsonObject
        {
            ["version"] = new JsonObject
            {
                ["name"] = "15", ["datastore_name"] = "postgresql", ["datastore_manager"] = "postgresql", ["image"] = image, ["active"] = true, ["default"] = true,
            },
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), version?.ToJsonString());
        VersionId = version!["version"]!["id"]!.GetValue<string>();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    /// <summary>
    /// What cloud-init would write to /etc/cloudbox/guest-agent.json from the server's user data (<paramref name="check"/> sees it
    /// as written), pointed at this host, a private port and <paramref name="dataDir"/> instead of the metadata address.
    /// </summary>
    private protected async Task<AgentConfig> AgentConfigFromUserDataAsync(string serverId, string dataDir, Action<AgentConfig>? check = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/compute/v2.1/servers/{serverId}");
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("OpenStack-API-Version", "compute 2.3");
        var response = await Cloud.Client.SendAsync(request);
        var server = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["server"]!;
        var cloudConfig = Encoding.UTF8.GetString(Convert.FromBase64String(server["OS-EXT-SRV-ATTR:user_data"]!.GetValue<string>()));
        Assert.That(cloudConfig, Does.StartWith("#cloud-config"));
        var json = cloudConfig.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith('{'));
        var config = JsonSerializer.Deserialize(json, TroveJson.Default.AgentConfig)!;
        check?.Invoke(config);
        return config with { Url = Cloud.BaseUrl, DataDir = dataDir, Port = TestPorts.Next(), ListenAddress = "127.0.0.1" };
    }

    /// <summary>Runs the agent (the code of <c>cloudbox guest-agent</c>) on this host until <c>Stop</c> is cancelled.</summary>
    private protected static (CancellationTokenSource Stop, Task Loop) StartAgent(AgentConfig config, DatastoreDriver driver)
    {
        var stop = new CancellationTokenSource();
        var http = new HttpClient { BaseAddress = new Uri(config.Url.TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Add(AgentProtocol.SecretHeader, config.Secret);
        var agent = new GuestAgent(config, driver, http, TestContext.Progress);
        return (stop, Task.Run(() => agent.RunLoopAsync(stop.Token)));
    }

    /// <summary>Stops an agent <see cref="StartAgent"/> started; its stop source is disposed even when the loop failed.</summary>
    private protected static async Task StopAgentAsync(CancellationTokenSource stop, Task loop)
    {
        try
        {
            await stop.CancelAsync();
            await loop.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            stop.Dispose();
        }
    }

    /// <summary>Stops the PostgreSQL cluster an agent left running in <paramref name="dataDir"/>, then removes the directory.</summary>
    private protected static async Task RemovePostgresDataAsync(string dataDir)
    {
        if (dataDir.Length == 0)
            return;
        if (File.Exists(Path.Combine(dataDir, "pgdata", "postmaster.pid")))
        {
            var pgCtl = Directory.GetDirectories("/usr/lib/postgresql").Max()! + "/bin/pg_ctl";
            await ProcessRunner.RunAsync(Environment.UserName == "root" ? "postgres" : null, pgCtl, ["-D", Path.Combine(dataDir, "pgdata"), "-m", "immediate", "stop"],
                TimeSpan.FromSeconds(60), CancellationToken.None);
        }
        if (Directory.Exists(dataDir))
            Directory.Delete(dataDir, recursive: true);
    }

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    protected Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Trove(HttpMethod method, string projectId, string path, string token, JsonNode? body = null) =>
        Cloud.SendAsync(method, $"/database/v1.0/{projectId}{path}", token, body);

    protected Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Member(HttpMethod method, string path, JsonNode? body = null) =>
        Trove(method, ProjectId, path, MemberToken, body);

    private async Task<string?> TokenProjectAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/identity/v3/auth/tokens");
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("X-Subject-Token", token);
        var response = await Cloud.Client.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return body?["token"]?["project"]?["id"]?.GetValue<string>();
    }

    /// <summary>A public kernel, ramdisk and raw disk naming them, as a datastore image would be; returns the disk's id.</summary>
    private async Task<string> CreateBootableImageAsync()
    {
        var kernel = await Cloud.UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("kernel"), ["disk_format"] = "aki", ["container_format"] = "aki", ["visibility"] = "public" }, new byte[4096]);
        var ramdisk = await Cloud.UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("ramdisk"), ["disk_format"] = "ari", ["container_format"] = "ari", ["visibility"] = "public" }, new byte[4096]);
        return await Cloud.UploadImageAsync(AdminToken, new JsonObject
        {
            ["name"] = Unique("postgresql-15"), ["disk_format"] = "raw", ["container_format"] = "bare", ["visibility"] = "public",
            ["kernel_id"] = kernel, ["ramdisk_id"] = ramdisk, ["os_command_line"] = "console=ttyS0 root=/dev/vda",
        }, new byte[1 << 20]);
    }

    /// <summary>Polls the instance until <paramref name="done"/> holds for its body; fails after <paramref name="seconds"/>.</summary>
    protected async Task<JsonNode> WaitInstanceAsync(string id, Func<JsonNode, bool> done, int seconds = 60)
    {
        JsonNode? last = null;
        for (var i = 0; i < seconds * 10; i++)
        {
            var (status, body, _) = await Member(HttpMethod.Get, "/instances/" + id);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
            last = body!["instance"]!;
            if (done(last))
                return last;
            await Task.Delay(100);
        }
        Assert.Fail($"instance {id} did not get there in {seconds} s; last: {last?.ToJsonString()}");
        return last!;
    }

    protected static JsonObject CreateBody(string name, JsonArray? databases = null, JsonArray? users = null, string flavor = "m1.tiny", int size = 1) => new()
    {
        ["instance"] = new JsonObject
        {
            ["name"] = name,
            ["flavorRef"] = flavor,
            ["volume"] = new JsonObject { ["size"] = size },
            ["datastore"] = new JsonObject { ["type"] = "postgresql", ["version"] = "15" },
            ["databases"] = databases ?? new JsonArray(),
            ["users"] = users ?? new JsonArray(),
        },
    };
}
