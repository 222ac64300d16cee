using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;

namespace CloudBox.Dashboard.Tests;

/// <summary>Login, the session cookie, CSRF, security headers, expiry, logout and admin pages, over plain HTTP.</summary>
[NonParallelizable]
public sealed class SessionTests : DashboardFixture
{
    [Test]
    public async Task Login_sets_an_httponly_strict_cookie_and_opens_the_app()
    {
        using var browser = Browser(out _);
        using var response = await LoginAsync(browser, "admin", Testing.TestCloud.AdminPassword);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo("/ui/overview"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("cloudbox_session=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.That(cookie, Does.Contain("httponly").And.Contain("samesite=strict").And.Contain("path=/"));
        Assert.That(cookie, Does.Not.Contain("secure"), "plain http must not mark the cookie Secure (the browser would drop it)");

        using var shell = await browser.GetAsync("/ui/instances");
        Assert.That(shell.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await shell.Content.ReadAsStringAsync(), Does.Contain("<nav id=\"nav\""));
        var session = await SessionAsync(browser);
        Assert.That(session["user_name"]!.GetValue<string>(), Is.EqualTo("admin"));
        Assert.That(session["is_admin"]!.GetValue<bool>(), Is.True);
        Assert.That(session["csrf"]!.GetValue<string>(), Has.Length.GreaterThan(30));
    }

    [Test]
    public async Task A_wrong_password_shows_the_reason_on_the_form_and_sets_no_cookie()
    {
        using var browser = Browser(out var jar);
        using var response = await LoginAsync(browser, "admin", "not-the-password");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(html, Does.Contain("role=\"alert\"").And.Contain("name=\"username\" value=\"admin\""));
        Assert.That(jar.GetCookies(new Uri(Cloud.BaseUrl)).Count, Is.Zero);
    }

    [Test]
    public async Task Without_a_session_pages_go_to_the_login_form()
    {
        using var browser = Browser(out _);
        using var response = await browser.GetAsync("/ui/instances");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo("/dashboard/login"));
        using var login = await browser.GetAsync("/dashboard/login");
        var html = await login.Content.ReadAsStringAsync();
        foreach (var name in new[] { "domain", "username", "password", "project" })
            Assert.That(html, Does.Contain($"name=\"{name}\""));
    }

    [Test]
    public async Task The_cookie_reads_APIs_but_a_state_change_needs_the_csrf_header()
    {
        using var browser = Browser(out _);
        (await LoginAsync(browser, "admin", Testing.TestCloud.AdminPassword)).Dispose();
        var csrf = (await SessionAsync(browser))["csrf"]!.GetValue<string>();

        using (var read = await browser.GetAsync("/compute/v2.1/servers"))
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // A forged cross-site form post carries the cookie (if a browser sent it at all) but cannot know the CSRF token.
        var name = Unique("key");
        using (var forged = await browser.PostAsJsonAsync("/compute/v2.1/os-keypairs", new JsonObject { ["keypair"] = new JsonObject { ["name"] = name } }))
            Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/compute/v2.1/os-keypairs") { Content = JsonContent.Create(new JsonObject { ["keypair"] = new JsonObject { ["name"] = name } }) })
        {
            wrong.Headers.Add("X-CSRF-Token", "guess");
            using var refused = await browser.SendAsync(wrong);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }
        var (_, keys, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/v2.1/os-keypairs", AdminToken);
        Assert.That(keys!.ToJsonString(), Does.Not.Contain(name), "a refused request must not have acted");

        using var real = new HttpRequestMessage(HttpMethod.Post, "/compute/v2.1/os-keypairs") { Content = JsonContent.Create(new JsonObject { ["keypair"] = new JsonObject { ["name"] = name } }) };
        real.Headers.Add("X-CSRF-Token", csrf);
        using var created = await browser.SendAsync(real);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.OK), await created.Content.ReadAsStringAsync());

        // A read another site starts (an <img> or <script> pointing here) does not get the session's rights either.
        using var crossSite = new HttpRequestMessage(HttpMethod.Get, "/compute/v2.1/servers");
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var anonymous = await browser.SendAsync(crossSite);
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_login_posted_from_another_site_is_refused()
    {
        using var browser = Browser(out _);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dashboard/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["domain"] = "Default", ["username"] = "admin", ["password"] = Testing.TestCloud.AdminPassword }),
        };
        request.Headers.Add("Origin", "http://evil.example");
        using var response = await browser.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Dashboard_responses_carry_a_strict_policy_and_refuse_framing()
    {
        using var browser = Browser(out _);
        (await LoginAsync(browser, "admin", Testing.TestCloud.AdminPassword)).Dispose();
        foreach (var path in new[] { "/dashboard/login", "/ui/overview" })
        {
            using var response = await browser.GetAsync(path);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.That(csp, Does.Contain("default-src 'self'").And.Contain("script-src 'self';").And.Contain("frame-ancestors 'none'").And.Not.Contain("unsafe-inline"), path);
            Assert.That(response.Headers.GetValues("X-Frame-Options").Single(), Is.EqualTo("DENY"), path);
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, path);
            var html = await response.Content.ReadAsStringAsync();
            Assert.That(System.Text.RegularExpressions.Regex.IsMatch(html, "<script(?![^>]*\\ssrc=)[^>]*>"), Is.False, $"{path} has an inline script");
            Assert.That(html, Does.Not.Contain("style=\""), $"{path} has an inline style");
        }
    }

    [Test]
    public async Task Assets_are_fingerprinted_compressed_cached_forever_and_the_first_page_is_small()
    {
        using var browser = Browser(out _);
        (await LoginAsync(browser, "admin", Testing.TestCloud.AdminPassword)).Dispose();
        var html = await browser.GetStringAsync("/ui/overview");
        var assets = System.Text.RegularExpressions.Regex.Matches(html, "(?:href|src)=\"(/assets/[0-9a-f]{12}/[^\"]+)\"").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.That(assets, Has.Count.GreaterThanOrEqualTo(3));
        long transferred = html.Length;
        foreach (var asset in assets.Append(assets[0].Replace("app.css", "app.js", StringComparison.Ordinal)).Distinct())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, asset);
            request.Headers.Add("Accept-Encoding", "br, gzip");
            using var response = await browser.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), asset);
            Assert.That(response.Headers.CacheControl?.ToString(), Does.Contain("immutable"), asset);
            if (!asset.EndsWith(".svg", StringComparison.Ordinal))
                Assert.That(response.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "br" }), asset);
            transferred += (await response.Content.ReadAsByteArrayAsync()).Length;
            using var again = new HttpRequestMessage(HttpMethod.Get, asset);
            again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag!.ToString());
            using var notModified = await browser.SendAsync(again);
            Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), asset);
        }
        TestContext.Out.WriteLine($"first page: {transferred} bytes (html and its assets, brotli)");
        Assert.That(transferred, Is.LessThan(300 * 1024));
        using var stale = await browser.GetAsync("/assets/000000000000/app.js");
        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Logout_revokes_the_token_and_ends_the_session()
    {
        using var browser = Browser(out var jar);
        (await LoginAsync(browser, "admin", Testing.TestCloud.AdminPassword)).Dispose();
        var csrf = (await SessionAsync(browser))["csrf"]!.GetValue<string>();
        var cookie = jar.GetCookies(new Uri(Cloud.BaseUrl))["cloudbox_session"]!.Value;
        string token;
        await using (var db = Cloud.OpenDatabase())
        await using (var connection = await db.OpenAsync())
            token = await connection.QuerySingleAsync<string>("SELECT token FROM dashboard_sessions WHERE id_hash = @hash", new { hash = Sessions.SessionStore.Hash(cookie) });
        var (before, _, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/v2.1/servers", token);
        Assert.That(before, Is.EqualTo(HttpStatusCode.OK));

        using (var noCsrf = await browser.PostAsync("/dashboard/logout", null))
            Assert.That(noCsrf.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "logout is a state change too");
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/dashboard/logout");
        logout.Headers.Add("X-CSRF-Token", csrf);
        using (var done = await browser.SendAsync(logout))
            Assert.That(done.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        using (var after = await browser.GetAsync("/dashboard/session"))
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var (revoked, _, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/v2.1/servers", token);
        Assert.That(revoked, Is.EqualTo(HttpStatusCode.Unauthorized), "the session's token is revoked, not only forgotten");
    }

    [Test]
    public async Task An_expired_session_returns_to_the_login_page_with_a_message()
    {
        using var browser = Browser(out var jar);
        (await LoginAsync(browser, "admin", Testing.TestCloud.AdminPassword)).Dispose();
        var cookie = jar.GetCookies(new Uri(Cloud.BaseUrl))["cloudbox_session"]!.Value;
        await using (var db = Cloud.OpenDatabase())
        await using (var connection = await db.OpenAsync())
            await connection.ExecuteAsync("UPDATE dashboard_sessions SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE id_hash = @hash",
                new { hash = Sessions.SessionStore.Hash(cookie) });
        using var page = await browser.GetAsync("/ui/instances");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(page.Headers.Location?.ToString(), Is.EqualTo("/dashboard/login?expired=1"));
        var html = await browser.GetStringAsync("/dashboard/login?expired=1");
        Assert.That(html, Does.Contain("Your session has expired"));
        using var api = await browser.GetAsync("/compute/v2.1/servers");
        Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "an expired session lends no token");
    }

    [Test]
    public async Task Sessions_survive_a_restart_of_serve()
    {
        using var browser = Browser(out _);
        (await LoginAsync(browser, "admin", Testing.TestCloud.AdminPassword)).Dispose();
        await Cloud.RestartAsync();
        AdminToken = await Cloud.AdminTokenAsync();
        using var response = await browser.GetAsync("/compute/v2.1/servers");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_member_sees_no_admin_pages_even_by_url()
    {
        var project = Unique("proj");
        var user = Unique("member");
        await Cloud.CreateUserWithRoleAsync(AdminToken, project, user, "member-pw", "member");
        using var browser = Browser(out _);
        using (var login = await LoginAsync(browser, user, "member-pw"))
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "a member without a named project gets their first project");
        var session = await SessionAsync(browser);
        Assert.That(session["is_admin"]!.GetValue<bool>(), Is.False);
        Assert.That(session["project_name"]!.GetValue<string>(), Is.EqualTo(project));
        foreach (var page in new[] { "/ui/identity", "/ui/system", "/ui/identity/users" })
        {
            using var response = await browser.GetAsync(page);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), page);
        }
        using var instances = await browser.GetAsync("/ui/instances");
        Assert.That(instances.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
