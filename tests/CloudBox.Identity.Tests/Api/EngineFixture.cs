using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Identity.Tests.Api;

/// <summary>Runs a test class once per database engine against its own fresh server.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public abstract class EngineFixture(DatabaseEngine engine)
{
    protected TestCloud Server { get; private set; } = null!;
    protected string AdminToken { get; private set; } = "";

    [OneTimeSetUp]
    public async Task StartServer()
    {
        Server = await TestCloud.StartAsync(engine);
        AdminToken = await Server.AdminTokenAsync();
    }

    [OneTimeTearDown]
    public async Task StopServer() => await Server.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Creates a project and a user holding <paramref name="role"/> on it; returns their ids.</summary>
    protected async Task<(string ProjectId, string UserId)> UserWithRoleAsync(string projectName, string userName, string password, string role)
    {
        var (_, project, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken,
            new System.Text.Json.Nodes.JsonObject { ["project"] = new System.Text.Json.Nodes.JsonObject { ["name"] = projectName } });
        var projectId = project!["project"]!["id"]!.GetValue<string>();
        var (_, user, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/users", AdminToken,
            new System.Text.Json.Nodes.JsonObject { ["user"] = new System.Text.Json.Nodes.JsonObject { ["name"] = userName, ["password"] = password } });
        var userId = user!["user"]!["id"]!.GetValue<string>();
        var (_, roles, _) = await Server.SendAsync(HttpMethod.Get, $"/identity/v3/roles?name={role}", AdminToken);
        var roleId = roles!["roles"]![0]!["id"]!.GetValue<string>();
        var (status, _, _) = await Server.SendAsync(HttpMethod.Put, $"/identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", AdminToken);
        Assert.That((int)status, Is.EqualTo(204));
        return (projectId, userId);
    }
}
