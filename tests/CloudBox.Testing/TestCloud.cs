using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Hosting;
using CloudBox.Identity;
using CloudBox.Core.Modules;
using Microsoft.AspNetCore.Builder;

namespace CloudBox.Testing;

/// <summary>
/// A real <c>cloudbox serve</c> host with Identity and the modules under test, on free loopback
/// ports (API and S3), against a fresh SQLite file or PostgreSQL database. Password hashing is
/// cheapened so tests stay fast.
/// </summary>
public sealed class TestCloud : IAsyncDisposable
{
    public const string AdminPassword = "admin-secret";

    private readonly ICloudModule[] _modules;
    private WebApplication _app;

    private TestCloud(WebApplication app, CloudBoxOptions options, string dataDirectory, ICloudModule[] modules)
    {
        _app = app;
        _modules = modules;
        Options = options;
        BaseUrl = options.PublicUrl;
        S3Url = options.S3PublicUrl;
        DataDirectory = dataDirectory;
        // An https:// cloud serves its own (often self-signed) certificate: tests check which one it served themselves.
        Client = BaseUrl.StartsWith("https://", StringComparison.Ordinal)
            ? new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = new Uri(BaseUrl) }
            : new HttpClient { BaseAddress = new Uri(BaseUrl) };
    }

    public CloudBoxOptions Options { get; }
    public string BaseUrl { get; }
    public string S3Url { get; }
    public string DataDirectory { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    public static Task<TestCloud> StartAsync(DatabaseEngine engine, params ICloudModule[] modules) => StartAsync(engine, null, modules);

    /// <summary>As above, with <paramref name="configure"/> applied to the options first, as an operator's configuration would.</summary>
    public static async Task<TestCloud> StartAsync(DatabaseEngine engine, Action<CloudBoxOptions>? configure, params ICloudModule[] modules)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cloudbox-test-").FullName;
        var port = TestPorts.Next();
        var s3Port = TestPorts.Next();
        var ec2Port = TestPorts.Next();
        var options = new CloudBoxOptions
        {
            DataDirectory = dataDirectory,
            ListenUrl = $"http://127.0.0.1:{port}",
            PublicUrl = $"http://127.0.0.1:{port}",
            S3ListenUrl = $"http://127.0.0.1:{s3Port}",
            S3PublicUrl = $"http://127.0.0.1:{s3Port}",
            Ec2ListenUrl = $"http://127.0.0.1:{ec2Port}",
            Ec2PublicUrl = $"http://127.0.0.1:{ec2Port}",
            AdminPassword = AdminPassword,
            Database = engine == DatabaseEngine.Postgres ? await PostgresServer.Shared.CreateDatabaseAsync() : "",
        };
        configure?.Invoke(options);
        var app = await StartHostAsync(options, modules);
        return new TestCloud(app, options, dataDirectory, modules);
    }

    private static async Task<WebApplication> StartHostAsync(CloudBoxOptions options, ICloudModule[] modules)
    {
        // One access-log line per request would bury a failing test's own output.
        var app = CloudBoxHost.Build(options, [new IdentityModule(new IdentitySettings { PasswordIterations = 1000 }), .. modules],
            ["--Logging:LogLevel:CloudBox.Hosting.AccessLogMiddleware=Warning"]);
        await CloudBoxHost.PrepareAsync(app.Services, CancellationToken.None);
        await app.StartAsync();
        return app;
    }

    /// <summary>
    /// Stops the host and starts a new one on the same data directory and database, as after a
    /// crash: <paramref name="beforeStart"/> runs in between, to leave the state a crash would.
    /// </summary>
    public async Task RestartAsync(Func<Task>? beforeStart = null)
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (beforeStart is not null)
            await beforeStart();
        _app = await StartHostAsync(Options, _modules);
    }

    /// <summary>Password authentication; returns the token, or throws with the status when refused.</summary>
    public async Task<string> TokenAsync(string user, string password, string? project = "admin", string userDomain = "Default")
    {
        var response = await IssueAsync(user, password, project, userDomain);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"token for {user} refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.GetValues("X-Subject-Token").Single();
    }

    public Task<HttpResponseMessage> IssueAsync(string user, string password, string? project = "admin", string userDomain = "Default")
    {
        var auth = new JsonObject
        {
            ["identity"] = new JsonObject
            {
                ["methods"] = new JsonArray("password"),
                ["password"] = new JsonObject
                {
                    ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["name"] = userDomain }, ["password"] = password },
                },
            },
        };
        // No project means an explicitly unscoped token (without a scope Keystone picks the default project).
        auth["scope"] = project is null
            ? "unscoped"
            : new JsonObject { ["project"] = new JsonObject { ["name"] = project, ["domain"] = new JsonObject { ["name"] = "Default" } } };
        return Client.PostAsJsonAsync("/identity/v3/auth/tokens", new JsonObject { ["auth"] = auth });
    }

    public Task<string> AdminTokenAsync() => TokenAsync("admin", AdminPassword);

    /// <summary>A separate handle on the cloud's database, to set up or inspect state directly (e.g. what a crash leaves).</summary>
    public Database OpenDatabase() =>
        string.IsNullOrEmpty(Options.Database) ? Database.OpenSqlite(Options.DataDirectory) : Database.OpenPostgres(Options.Database);

    /// <summary>Creates a project and a user holding <paramref name="role"/> on it; returns their ids.</summary>
    public async Task<(string ProjectId, string UserId)> CreateUserWithRoleAsync(string adminToken, string projectName, string userName, string password, string role)
    {
        var (_, project, _) = await SendAsync(HttpMethod.Post, "/identity/v3/projects", adminToken,
            new JsonObject { ["project"] = new JsonObject { ["name"] = projectName } });
        var projectId = project!["project"]!["id"]!.GetValue<string>();
        var (_, user, _) = await SendAsync(HttpMethod.Post, "/identity/v3/users", adminToken,
            new JsonObject { ["user"] = new JsonObject { ["name"] = userName, ["password"] = password } });
        var userId = user!["user"]!["id"]!.GetValue<string>();
        var (_, roles, _) = await SendAsync(HttpMethod.Get, $"/identity/v3/roles?name={role}", adminToken);
        var roleId = roles!["roles"]![0]!["id"]!.GetValue<string>();
        var (status, _, _) = await SendAsync(HttpMethod.Put, $"/identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", adminToken);
        if (status != HttpStatusCode.NoContent)
            throw new InvalidOperationException($"granting {role} failed: {(int)status}");
        return (projectId, userId);
    }

    /// <summary>Sends a request with a token; the body, when given, as JSON.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? token, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
            request.Headers.Add("X-Auth-Token", token);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonNode.Parse(text) : null, response);
    }

    /// <summary>Creates an image with <paramref name="attributes"/> and uploads <paramref name="data"/> as its file; returns its id.</summary>
    public async Task<string> UploadImageAsync(string token, JsonObject attributes, byte[] data)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Post, "/image/v2/images", token, attributes);
        if (status != HttpStatusCode.Created)
            throw new InvalidOperationException($"image create failed: {(int)status} {body?.ToJsonString()}");
        var id = body!["id"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/image/v2/images/{id}/file") { Content = new ByteArrayContent(data) };
        request.Content.Headers.ContentType = new("application/octet-stream");
        request.Headers.Add("X-Auth-Token", token);
        using var upload = await Client.SendAsync(request);
        if (upload.StatusCode != HttpStatusCode.NoContent)
            throw new InvalidOperationException($"image upload failed: {(int)upload.StatusCode}");
        return id;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        StopLeftoverProcesses(DataDirectory);
        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>
    /// Ends every process still running from <paramref name="dataDirectory"/> (its command line names a file in it). VMMs
    /// outlive serve by design, so a test that fails before it deletes its server would otherwise leave its VM
    /// running, and burning CPU, under every test that follows.
    /// </summary>
    public static void StopLeftoverProcesses(string dataDirectory)
    {
        var marker = dataDirectory.TrimEnd('/') + "/";
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid) || pid == Environment.ProcessId)
                continue;
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(entry, "cmdline"));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                continue; // gone meanwhile, or not ours to read
            }
            if (!commandLine.Contains(marker, StringComparison.Ordinal))
                continue;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (Exception error) when (error is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // already gone
            }
        }
    }
}
