using System.Net;
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

    /// <summary>Creates a stack (or, with <paramref name="method"/>, updates stack <paramref name="id"/>) and waits until it is <paramref name="wanted"/>.</summary>
    protected async Task<JsonNode> StackAsync(string name, JsonObject body, string wanted = "CREATE_COMPLETE", HttpMethod? method = null, string? id = null)
    {
        var (status, answer, _) = method is null
            ? await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, body)
            : await Cloud.SendAsync(method, Url($"/stacks/{name}/{id}"), Token, body);
        Assert.That(status, Is.EqualTo(method is null ? HttpStatusCode.Created : HttpStatusCode.Accepted), answer?.ToJsonString());
        return await WaitAsync(name, wanted);
    }

    /// <summary>The same with only a template: the stack's name goes in the body of a create.</summary>
    protected Task<JsonNode> StackAsync(string name, string template, string wanted = "CREATE_COMPLETE", HttpMethod? method = null, string? id = null) =>
        StackAsync(name, method is null ? new JsonObject { ["stack_name"] = name, ["template"] = template } : new JsonObject { ["template"] = template }, wanted, method, id);

    /// <summary>The physical id of one of a stack's resources.</summary>
    protected async Task<string> PhysicalIdAsync(string stack, string resource)
    {
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{stack}/resources/{resource}"), Token);
        return body!["resource"]!["physical_resource_id"]!.ToString();
    }

    /// <summary>A stack's output value as text ("" when it has none).</summary>
    protected static string Output(JsonNode stack, string key) =>
        stack["outputs"]!.AsArray().First(o => o!["output_key"]!.ToString() == key)!["output_value"]?.ToString() ?? "";
}
