using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Objects.Tests;

/// <summary>Runs a test class once per database engine against its own fresh cloud with the Objects module.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public abstract class ObjectsEngineFixture(DatabaseEngine engine)
{
    protected DatabaseEngine Engine { get; } = engine;
    protected TestCloud Cloud { get; private set; } = null!;
    protected string AdminToken { get; private set; } = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(Engine, new ObjectsModule());
        AdminToken = await Cloud.AdminTokenAsync();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
