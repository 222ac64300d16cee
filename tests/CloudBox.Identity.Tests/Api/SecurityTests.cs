using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Identity.Tests.Api;

/// <summary>Findings of the security review (issue 20) against Keystone: bad JSON text, EC2 credentials, login answers, password floods.</summary>
public sealed class SecurityTests(DatabaseEngine engine) : EngineFixture(engine)
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> PostRawAsync(string path, byte[] body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (token is not null)
            request.Headers.Add("X-Auth-Token", token);
        using var response = await Server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private static byte[] Login(string userNameJson, string passwordJson) => Concat(
        "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":", userNameJson,
        ",\"domain\":{\"name\":\"Default\"},\"password\":", passwordJson, "}}}}}");

    private static byte[] Concat(params object[] parts) =>
        [.. parts.SelectMany(p => p is byte[] bytes ? bytes : Encoding.UTF8.GetBytes((string)p))];

    [Test]
    public async Task Invalid_json_text_is_a_400_in_keystones_fault_body_even_unauthenticated()
    {
        var invalidUtf8 = Concat("\"", new byte[] { 0xff, 0xfe, 0x41 }, "\"");
        foreach (var body in new[]
        {
            Concat("{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":", invalidUtf8, ",\"domain\":{\"name\":\"Default\"},\"password\":\"x\"}}}}}"),
            Login("\"admin\"", "\"\\ud800\""),
            Login("\"\\udc00x\"", "\"x\""),
            Login("\"ad\\u0000min\"", "\"x\""),
        })
        {
            var (status, fault) = await PostRawAsync("/identity/v3/auth/tokens", body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), fault?.ToJsonString());
            Assert.That(fault!["error"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
        }

        // Authenticated writes too: a project's name with a lone surrogate or a NUL.
        foreach (var name in new[] { "\"p\\ud800\"", "\"p\\u0000q\"" })
        {
            var (status, fault) = await PostRawAsync("/identity/v3/projects", Concat("{\"project\":{\"name\":", name, "}}"), AdminToken);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), fault?.ToJsonString());
            Assert.That(fault!["error"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
        }
    }

    [Test]
    public async Task A_member_cannot_point_an_ec2_credential_at_a_project_without_a_role_there()
    {
        var user = Unique("u");
        var own = Unique("own");
        var (ownId, userId) = await UserWithRoleAsync(own, user, "pw", "member");
        var (otherId, _) = await UserWithRoleAsync(Unique("other"), Unique("u2"), "pw", "member");
        var token = await Server.TokenAsync(user, "pw", own);

        var (refused, body, _) = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/credentials/OS-EC2", token,
            new JsonObject { ["tenant_id"] = otherId });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.Forbidden), body?.ToJsonString());
        var (refusedGeneric, _, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/credentials", token, new JsonObject
        {
            ["credential"] = new JsonObject { ["user_id"] = userId, ["type"] = "ec2", ["project_id"] = otherId, ["blob"] = "{\"access\":\"a1b2\",\"secret\":\"s3\"}" },
        });
        Assert.That(refusedGeneric, Is.EqualTo(HttpStatusCode.Forbidden));

        var (created, credential, _) = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/credentials/OS-EC2", token,
            new JsonObject { ["tenant_id"] = ownId });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created), credential?.ToJsonString());
        var access = credential!["credential"]!["access"]!.GetValue<string>();
        var (_, list, _) = await Server.SendAsync(HttpMethod.Get, $"/identity/v3/credentials?user_id={userId}", token);
        var id = list!["credentials"]!.AsArray().Single(c => c!["blob"]!.GetValue<string>().Contains(access))!["id"]!.GetValue<string>();
        var (repointed, _, _) = await Server.SendAsync(HttpMethod.Patch, $"/identity/v3/credentials/{id}", token,
            new JsonObject { ["credential"] = new JsonObject { ["project_id"] = otherId } });
        Assert.That(repointed, Is.EqualTo(HttpStatusCode.Forbidden));
        var (_, still, _) = await Server.SendAsync(HttpMethod.Get, $"/identity/v3/credentials/{id}", token);
        Assert.That(still!["credential"]!["project_id"]!.GetValue<string>(), Is.EqualTo(ownId));

        // The admin may.
        var (adminCreated, _, _) = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/credentials/OS-EC2", AdminToken,
            new JsonObject { ["tenant_id"] = otherId });
        Assert.That(adminCreated, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task A_refused_login_names_neither_the_user_nor_the_project()
    {
        var user = Unique("u");
        var (_, userId) = await UserWithRoleAsync(Unique("mine"), user, "pw", "member");
        var (otherId, _) = await UserWithRoleAsync(Unique("theirs"), Unique("u2"), "pw", "member");
        var auth = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["id"] = userId, ["password"] = "pw" } },
                },
                ["scope"] = new JsonObject { ["project"] = new JsonObject { ["id"] = otherId } },
            },
        };
        var (status, body, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/auth/tokens", null, auth);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
        var message = body!["error"]!["message"]!.GetValue<string>();
        Assert.That(message, Does.Not.Contain(userId).And.Not.Contain(otherId));
        Assert.That(message, Is.EqualTo("The request you have made requires authentication."));
    }

    [Test]
    public async Task Lockout_is_off_by_default()
    {
        var user = Unique("u");
        var project = Unique("p");
        await UserWithRoleAsync(project, user, "right", "member");
        for (var i = 0; i < 6; i++)
            Assert.That((await Server.IssueAsync(user, "wrong", project)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Server.IssueAsync(user, "right", project)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task A_flood_of_password_checks_is_answered_429_past_a_bounded_queue_and_other_requests_go_on()
    {
        // Unknown users are checked against a full-cost hash, as real ones would be.
        var started = Stopwatch.StartNew();
        var flood = Enumerable.Range(0, 96).Select(_ => Server.IssueAsync(Unique("nobody"), "wrong", null)).ToList();
        await Task.Delay(200);
        var unrelated = Stopwatch.StartNew();
        using (var version = await Server.Client.GetAsync("/identity/v3"))
            Assert.That(version.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var unrelatedTime = unrelated.Elapsed;
        var answers = await Task.WhenAll(flood);
        TestContext.Out.WriteLine($"flood of {answers.Length}: {answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests)} answered 429 in {started.Elapsed.TotalSeconds:F1} s; an unrelated request took {unrelatedTime.TotalMilliseconds:F0} ms");

        var busy = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.That(busy, Is.Not.Empty, "past the queue, 429");
        Assert.That(answers.Select(a => a.StatusCode), Has.All.EqualTo(HttpStatusCode.Unauthorized).Or.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(busy[0].Headers.RetryAfter, Is.Not.Null);
        var fault = JsonNode.Parse(await busy[0].Content.ReadAsStringAsync())!;
        Assert.That(fault["error"]!["code"]!.GetValue<int>(), Is.EqualTo(429));
        Assert.That(unrelatedTime, Is.LessThan(TimeSpan.FromSeconds(2)), "requests that hash nothing are not queued behind the flood");
        foreach (var answer in answers)
            answer.Dispose();
    }
}

/// <summary>Keystone's <c>lockout_failure_attempts</c> and <c>lockout_duration</c>, configured as an operator would.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public sealed class LockoutTests(DatabaseEngine engine)
{
    private TestCloud _cloud = null!;

    [OneTimeSetUp]
    public async Task Start() => _cloud = await TestCloud.StartAsync(engine, options =>
    {
        options.LockoutFailureAttempts = 3;
        options.LockoutDurationSeconds = 2;
    });

    [OneTimeTearDown]
    public async Task Stop() => await _cloud.DisposeAsync();

    [Test]
    public async Task A_user_is_locked_after_the_failures_and_unlocked_after_the_duration()
    {
        var admin = await _cloud.AdminTokenAsync();
        var user = "u-" + Guid.NewGuid().ToString("N")[..8];
        var project = "p-" + Guid.NewGuid().ToString("N")[..8];
        await _cloud.CreateUserWithRoleAsync(admin, project, user, "right", "member");

        // Failures below the limit are forgotten by a success.
        for (var i = 0; i < 2; i++)
            Assert.That((await _cloud.IssueAsync(user, "wrong", project)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await _cloud.IssueAsync(user, "right", project)).StatusCode, Is.EqualTo(HttpStatusCode.Created));

        for (var i = 0; i < 3; i++)
            Assert.That((await _cloud.IssueAsync(user, "wrong", project)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var locked = await _cloud.IssueAsync(user, "right", project);
        Assert.That(locked.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "locked: even the right password is refused");
        var fault = JsonNode.Parse(await locked.Content.ReadAsStringAsync())!;
        Assert.That(fault["error"]!["message"]!.GetValue<string>(), Is.EqualTo("The request you have made requires authentication."));

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.That((await _cloud.IssueAsync(user, "right", project)).StatusCode, Is.EqualTo(HttpStatusCode.Created), "unlocked after the duration");
        // And the count starts again from zero.
        Assert.That((await _cloud.IssueAsync(user, "wrong", project)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await _cloud.IssueAsync(user, "right", project)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }
}
