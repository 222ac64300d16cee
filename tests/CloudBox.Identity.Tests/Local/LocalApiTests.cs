using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Local;
using CloudBox.Core.Data;
using CloudBox.Identity.Tests.Api;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Identity.Tests.Local;

/// <summary>
/// The in-process API client and delegated tokens, which service modules (Orchestration, EC2) use to act
/// in a user's name through the other modules' public APIs.
/// </summary>
public class LocalApiTests(DatabaseEngine engine) : EngineFixture(engine)
{
    [Test]
    public async Task DelegatedTokenActsAsTheUserWithTheirCurrentRoles()
    {
        var project = Unique("proj");
        var user = Unique("member");
        var (projectId, userId) = await UserWithRoleAsync(project, user, "pw", "member");
        var tokens = Server.Services.GetRequiredService<IDelegatedTokens>();
        var token = await tokens.IssueAsync(userId, projectId, CancellationToken.None);

        using var client = Server.Services.GetRequiredService<LocalApi>().CreateClient(token);
        var response = await client.GetAsync("identity/v3/auth/projects");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.Contains("X-OpenStack-Request-ID"), "the request ran through the shared middleware");
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        var names = body!["projects"]!.AsArray().Select(p => p!["name"]!.GetValue<string>());
        Assert.That(names, Is.EquivalentTo(new[] { project }));

        // A member stays a member: the module's own policy refuses admin work to the delegated token.
        var create = await client.PostAsJsonAsync("identity/v3/users", new JsonObject { ["user"] = new JsonObject { ["name"] = Unique("x") } });
        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var fault = await create.Content.ReadFromJsonAsync<JsonObject>();
        Assert.That(fault!["error"]!["code"]!.GetValue<int>(), Is.EqualTo(403));
    }

    [Test]
    public async Task NoDelegatedTokenForAProjectTheUserHasNoRoleOn()
    {
        var (_, userId) = await UserWithRoleAsync(Unique("proj"), Unique("member"), "pw", "member");
        var (otherProjectId, _) = await UserWithRoleAsync(Unique("proj"), Unique("other"), "pw", "member");
        var tokens = Server.Services.GetRequiredService<IDelegatedTokens>();
        var refused = Assert.CatchAsync(async () => await tokens.IssueAsync(userId, otherProjectId, CancellationToken.None));
        Assert.That(refused, Is.TypeOf<CloudBox.Core.Api.ApiFault>());
    }

    [Test]
    public async Task WithoutATokenTheLocalClientIsRefusedAsAnyAnonymousCaller()
    {
        using var client = Server.Services.GetRequiredService<LocalApi>().CreateClient();
        var response = await client.GetAsync("identity/v3/projects");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var root = await client.GetAsync("identity/v3");
        Assert.That(root.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(root.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
    }
}
