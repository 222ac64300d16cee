using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Images;
using CloudBox.Testing;

namespace CloudBox.Volumes.Tests;

/// <summary>Runs a test class once per database engine against its own cloud with Images and Volumes (and whatever <see cref="ExtraModules"/> adds).</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public abstract class VolumesFixture(DatabaseEngine engine)
{
    protected TestCloud Cloud { get; private set; } = null!;
    protected string AdminToken { get; set; } = "";
    protected string AdminProject { get; private set; } = "";

    /// <summary>Modules besides Images and Volumes (the object store, for backups into it).</summary>
    protected virtual ICloudModule[] ExtraModules() => [];

    /// <summary>Backup chunk size: small in tests, so a few written blocks make distinct chunks.</summary>
    protected const int BackupChunkBytes = 1 << 20;

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(engine, [new ImagesModule(), new VolumesModule(new VolumesSettings
        {
            WorkerPollInterval = TimeSpan.FromMilliseconds(200),
            CapacityGigabytes = 100,
            BackupChunkBytes = BackupChunkBytes,
        }), .. ExtraModules()]);
        await RefreshAdminAsync();
    }

    /// <summary>A new project with a member user; returns the project and the user's token.</summary>
    protected async Task<(string Project, string Token)> NewMemberAsync()
    {
        var name = Unique("proj");
        var user = Unique("user");
        var (projectId, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, name, user, "pw", "member");
        return (projectId, await Cloud.TokenAsync(user, "pw", name));
    }

    protected async Task RefreshAdminAsync()
    {
        AdminToken = await Cloud.AdminTokenAsync();
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", AdminToken);
        AdminProject = body!["projects"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "admin")!["id"]!.GetValue<string>();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    protected string Url(string path, string? project = null) => $"/volume/v3/{project ?? AdminProject}/{path}";

    protected async Task<(HttpStatusCode Status, JsonNode? Body)> CallAsync(HttpMethod method, string path, JsonNode? body = null, string? token = null, string? project = null)
    {
        var (status, json, _) = await Cloud.SendAsync(method, Url(path, project), token ?? AdminToken, body);
        return (status, json);
    }

    protected async Task<JsonObject> CreateVolumeAsync(JsonObject volume, string? token = null, string? project = null)
    {
        var (status, body) = await CallAsync(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = volume }, token, project);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        return body!["volume"]!.AsObject();
    }

    /// <summary>Polls until the volume (or snapshot) reaches <paramref name="status"/>; returns its last state.</summary>
    protected async Task<JsonObject> WaitAsync(string collection, string id, string status, string? token = null, string? project = null)
    {
        var member = collection switch { "volumes" => "volume", "backups" => "backup", _ => "snapshot" };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var (code, body) = await CallAsync(HttpMethod.Get, $"{collection}/{id}", token: token, project: project);
            if (code == HttpStatusCode.NotFound && status == "gone")
                return [];
            var current = body?[member]?.AsObject();
            if (current?["status"]?.GetValue<string>() == status || DateTime.UtcNow > deadline)
                return current ?? [];
            await Task.Delay(100);
        }
    }

    protected string VolumeFile(string id) => Path.Combine(Cloud.DataDirectory, "volumes", "volumes", id + ".raw");
}
