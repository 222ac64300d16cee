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
    protected Task<(string ProjectId, string UserId)> UserWithRoleAsync(string projectName, string userName, string password, string role) =>
        Server.CreateUserWithRoleAsync(AdminToken, projectName, userName, password, role);
}
