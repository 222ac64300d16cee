using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Telemetry.Tests.Api;

/// <summary>Runs a test class once per database engine against its own cloud with the Telemetry module.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public abstract class TelemetryFixture(DatabaseEngine engine)
{
    protected DatabaseEngine Engine { get; } = engine;
    protected TestCloud Cloud { get; private set; } = null!;
    protected string AdminToken { get; private set; } = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(Engine, new TelemetryModule(new TelemetrySettings { EvaluationInterval = TimeSpan.FromSeconds(1) }));
        AdminToken = await Cloud.AdminTokenAsync();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
