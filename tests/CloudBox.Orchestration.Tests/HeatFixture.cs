using System.Text.Json.Nodes;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Testing;

namespace CloudBox.Orchestration.Tests;

/// <summary>
/// A real host for tests of Heat's API: Orchestration (and whatever other modules a fixture names), the admin's token
/// and project, Heat's URLs, and the wait for a stack to settle.
/// </summary>
public abstract class HeatFixture(DatabaseEngine engine)
{
    protected TestCloud Cloud { get; private set; } = null!;
    /// <summary>The admin's token (a fixture that restarts the host takes a new one).</summary>
    protected string Token { get; set; } = "";
    protected string Project { get; private set; } = "";

    /// <summary>The modules the host runs besides Identity: Orchestration alone unless a fixture needs more.</summary>
    protected virtual ICloudModule[] Modules() => [new OrchestrationModule()];

    /// <summary>Settings of the host a fixture needs (none by default).</summary>
    protected virtual void Configure(CloudBoxOptions options)
    {
    }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Cloud = await TestCloud.StartAsync(engine, Configure, Modules());
        Token = await Cloud.AdminTokenAsync();
        var (_, projects, _) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", Token);
        Project = projects!["projects"]!.AsArray().First(p => p!["name"]!.ToString() == "admin")!["id"]!.ToString();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await Cloud.DisposeAsync();

    protected string Url(string path) => $"/orchestration/v1/{Project}{path}";

    /// <summary>The stack once it is no longer in progress, which must be <paramref name="wanted"/>.</summary>
    protected async Task<JsonNode> WaitAsync(string name, string wanted)
    {
        JsonNode? stack = null;
        for (var i = 0; i < 300; i++)
        {
            var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}"), Token);
            stack = body!["stack"]!;
            var status = stack["stack_status"]!.ToString();
            // A failed operation that rolls back is *_FAILED for a moment before ROLLBACK_IN_PROGRESS.
            var transient = status.EndsWith("IN_PROGRESS", StringComparison.Ordinal) || wanted.StartsWith("ROLLBACK_", StringComparison.Ordinal) && status.EndsWith("_FAILED", StringComparison.Ordinal) && i < 50;
            if (status == wanted || !transient)
                break;
            await Task.Delay(100);
        }
        Assert.That(stack!["stack_status"]!.ToString(), Is.EqualTo(wanted), stack["stack_status_reason"]?.ToString());
        return stack;
    }
}
