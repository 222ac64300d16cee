using CloudBox.Testing;
using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Identity.Tests.Api;

public class TokenTests(DatabaseEngine engine) : EngineFixture(engine)
{
    [Test]
    public async Task PasswordAuthReturns201WithSubjectTokenBodyAndCatalog()
    {
        var response = await Server.IssueAsync("admin", TestCloud.AdminPassword);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(response.Headers.Contains("X-Subject-Token"), Is.True);
        var token = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!;
        Assert.Multiple(() =>
        {
            Assert.That(token["methods"]![0]!.GetValue<string>(), Is.EqualTo("password"));
            Assert.That(token["user"]!["name"]!.GetValue<string>(), Is.EqualTo("admin"));
            Assert.That(token["user"]!["domain"]!["id"]!.GetValue<string>(), Is.EqualTo("default"));
            Assert.That(token["project"]!["name"]!.GetValue<string>(), Is.EqualTo("admin"));
            Assert.That(token["is_domain"]!.GetValue<bool>(), Is.False);
            var roles = token["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
            Assert.That(roles, Is.EquivalentTo(new[] { "admin", "member", "reader" }), "admin implies member implies reader");
            Assert.That(token["audit_ids"]![0]!.GetValue<string>(), Has.Length.EqualTo(22));
            var identity = token["catalog"]!.AsArray().Single(s => s!["type"]!.GetValue<string>() == "identity")!;
            var endpoint = identity["endpoints"]![0]!;
            Assert.That(endpoint["region"]!.GetValue<string>(), Is.EqualTo("RegionOne"));
            Assert.That(endpoint["region_id"]!.GetValue<string>(), Is.EqualTo("RegionOne"));
            Assert.That(DateTimeOffset.Parse(token["expires_at"]!.GetValue<string>()), Is.GreaterThan(DateTimeOffset.UtcNow.AddMinutes(50)));
        });
    }

    [Test]
    public async Task WrongPasswordIsA401InKeystoneFaultFormat()
    {
        var response = await Server.IssueAsync("admin", "wrong");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.That(error["code"]!.GetValue<int>(), Is.EqualTo(401));
        Assert.That(error["title"]!.GetValue<string>(), Is.EqualTo("Unauthorized"));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Keystone uri="));
    }

    [Test]
    public async Task UnknownUserLooksExactlyLikeWrongPassword()
    {
        var wrongPassword = await (await Server.IssueAsync("admin", "wrong")).Content.ReadAsStringAsync();
        var unknownUser = await (await Server.IssueAsync("nobody-" + Guid.NewGuid(), "wrong")).Content.ReadAsStringAsync();
        Assert.That(JsonNode.Parse(unknownUser)!["error"]!["message"]!.GetValue<string>(),
            Is.EqualTo(JsonNode.Parse(wrongPassword)!["error"]!["message"]!.GetValue<string>()));
    }

    [Test]
    public async Task ValidateCheckAndRevoke()
    {
        var subject = await Server.AdminTokenAsync();
        using var validate = new HttpRequestMessage(HttpMethod.Get, "/identity/v3/auth/tokens?nocatalog");
        validate.Headers.Add("X-Auth-Token", AdminToken);
        validate.Headers.Add("X-Subject-Token", subject);
        var validated = await Server.Client.SendAsync(validate);
        Assert.That(validated.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = JsonNode.Parse(await validated.Content.ReadAsStringAsync())!["token"]!;
        Assert.That(body["catalog"], Is.Null, "nocatalog leaves the catalog out");
        Assert.That(validated.Headers.GetValues("X-Subject-Token").Single(), Is.EqualTo(subject));

        Assert.That(await StatusAsync(HttpMethod.Head, subject), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await StatusAsync(HttpMethod.Delete, subject), Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await StatusAsync(HttpMethod.Head, subject), Is.EqualTo(HttpStatusCode.NotFound), "a revoked token is gone at once");
        var (status, _, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/projects", subject);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task ForgedOrGarbledTokensAreRefused()
    {
        var token = await Server.AdminTokenAsync();
        var flipped = token[..^3] + (token[^3] == 'A' ? 'B' : 'A') + token[^2..];
        foreach (var bad in new[] { flipped, "garbage", token + "x", new string('A', 200) })
        {
            var (status, _, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/projects", bad);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), bad);
        }
    }

    [Test]
    public async Task TokenRescopesAnotherTokenKeepingExpiryAndAuditChain()
    {
        var unscopedResponse = await Server.IssueAsync("admin", TestCloud.AdminPassword, project: null);
        var unscoped = unscopedResponse.Headers.GetValues("X-Subject-Token").Single();
        var unscopedBody = JsonNode.Parse(await unscopedResponse.Content.ReadAsStringAsync())!["token"]!;
        Assert.That(unscopedBody["project"], Is.Null);

        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject { ["methods"] = new JsonArray("token"), ["token"] = new JsonObject { ["id"] = unscoped } },
                ["scope"] = new JsonObject { ["system"] = new JsonObject { ["all"] = true } },
            },
        };
        var (status, rescoped, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/auth/tokens", null, body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        var token = rescoped!["token"]!;
        Assert.That(token["system"]!["all"]!.GetValue<bool>(), Is.True);
        Assert.That(token["expires_at"]!.GetValue<string>(), Is.EqualTo(unscopedBody["expires_at"]!.GetValue<string>()));
        Assert.That(token["audit_ids"]![1]!.GetValue<string>(), Is.EqualTo(unscopedBody["audit_ids"]![0]!.GetValue<string>()));
    }

    [Test]
    public async Task UnscopedTokenGetsNoCatalog()
    {
        var response = await Server.IssueAsync("admin", TestCloud.AdminPassword, project: null);
        var token = response.Headers.GetValues("X-Subject-Token").Single();
        var (status, _, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/catalog", token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        var (projectsStatus, projects, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token);
        Assert.That(projectsStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(projects!["projects"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()), Does.Contain("admin"));
    }

    [Test]
    public async Task MalformedBodiesAre400AndOversizedBodies413()
    {
        using var malformed = new HttpRequestMessage(HttpMethod.Post, "/identity/v3/auth/tokens") { Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json") };
        Assert.That((await Server.Client.SendAsync(malformed)).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var (missing, _, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/auth/tokens", null, new JsonObject { ["auth"] = new JsonObject() });
        Assert.That(missing, Is.EqualTo(HttpStatusCode.BadRequest));
        using var huge = new HttpRequestMessage(HttpMethod.Post, "/identity/v3/auth/tokens")
        {
            Content = new StringContent("{\"auth\": \"" + new string('x', 200_000) + "\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        Assert.That((await Server.Client.SendAsync(huge)).StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    private async Task<HttpStatusCode> StatusAsync(HttpMethod method, string subject)
    {
        using var request = new HttpRequestMessage(method, "/identity/v3/auth/tokens");
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("X-Subject-Token", subject);
        return (await Server.Client.SendAsync(request)).StatusCode;
    }
}
