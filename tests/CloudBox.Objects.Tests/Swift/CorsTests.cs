using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.Swift;

public class CorsTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    private const string Page = "https://app.example";

    private async Task<string> CorsContainerAsync(string allowOrigin) =>
        await CreateContainerAsync(null,
            ("X-Container-Meta-Access-Control-Allow-Origin", allowOrigin),
            ("X-Container-Meta-Access-Control-Max-Age", "600"),
            ("X-Container-Meta-Access-Control-Expose-Headers", "X-Custom-Thing"));

    [Test]
    public async Task APreflightFromAnAllowedOriginNeedsNoTokenAndGetsTheContainersRules()
    {
        var container = await CorsContainerAsync($"https://other.example {Page}");
        using var preflight = await SendAsync("OPTIONS", $"{Account}/{container}/photo.jpg", null, null,
            ("Origin", Page), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "x-auth-token, content-type"));
        Assert.That((int)preflight.StatusCode, Is.EqualTo(200));
        Assert.That(Header(preflight, "Access-Control-Allow-Origin"), Is.EqualTo(Page));
        Assert.That(Header(preflight, "Access-Control-Allow-Methods"), Does.Contain("PUT").And.Contain("GET"));
        Assert.That(Header(preflight, "Access-Control-Allow-Headers"), Is.EqualTo("x-auth-token, content-type"));
        Assert.That(Header(preflight, "Access-Control-Max-Age"), Is.EqualTo("600"));
    }

    [Test]
    public async Task APreflightFromAnOriginNotListedOrForAMissingContainerIs401()
    {
        var container = await CorsContainerAsync(Page);
        using (var stranger = await SendAsync("OPTIONS", $"{Account}/{container}/o", null, null, ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET")))
        {
            Assert.That((int)stranger.StatusCode, Is.EqualTo(401));
            Assert.That(Header(stranger, "Access-Control-Allow-Origin"), Is.Empty);
        }
        using (var noCors = await SendAsync("OPTIONS", $"{Account}/{await CreateContainerAsync()}/o", null, null, ("Origin", Page), ("Access-Control-Request-Method", "GET")))
            Assert.That((int)noCors.StatusCode, Is.EqualTo(401));
        using (var missing = await SendAsync("OPTIONS", $"{Account}/no-such-container/o", null, null, ("Origin", Page), ("Access-Control-Request-Method", "GET")))
            Assert.That((int)missing.StatusCode, Is.EqualTo(401));
        using var plain = await SendAsync("OPTIONS", $"{Account}/{container}/o", null);
        Assert.That((int)plain.StatusCode, Is.EqualTo(200), "OPTIONS without an Origin just lists the methods");
        Assert.That(Header(plain, "Allow"), Does.Contain("GET"));
    }

    [Test]
    public async Task ResponsesToAnAllowedOriginCarryAllowOriginAndExposeTheObjectsHeaders()
    {
        var container = await CorsContainerAsync(Page);
        await PutObjectAsync(container, "o", "body", ("X-Object-Meta-Color", "blue"));
        using (var get = await SendAsync("GET", $"{Account}/{container}/o", AdminToken, null, ("Origin", Page)))
        {
            Assert.That((int)get.StatusCode, Is.EqualTo(200));
            Assert.That(Header(get, "Access-Control-Allow-Origin"), Is.EqualTo(Page));
            var exposed = Header(get, "Access-Control-Expose-Headers").ToLowerInvariant();
            Assert.That(exposed, Does.Contain("etag").And.Contain("x-object-meta-color").And.Contain("x-custom-thing"));
        }
        using (var stranger = await SendAsync("GET", $"{Account}/{container}/o", AdminToken, null, ("Origin", "https://evil.example")))
        {
            Assert.That((int)stranger.StatusCode, Is.EqualTo(200));
            Assert.That(Header(stranger, "Access-Control-Allow-Origin"), Is.Empty);
        }
        using var missing = await SendAsync("GET", $"{Account}/{container}/absent", AdminToken, null, ("Origin", Page));
        Assert.That((int)missing.StatusCode, Is.EqualTo(404));
        Assert.That(Header(missing, "Access-Control-Allow-Origin"), Is.EqualTo(Page), "errors are readable by the page too");
    }

    [Test]
    public async Task AWildcardContainerAllowsAnyOrigin()
    {
        var container = await CorsContainerAsync("*");
        using var preflight = await SendAsync("OPTIONS", $"{Account}/{container}", null, null, ("Origin", "https://anyone.example"), ("Access-Control-Request-Method", "GET"));
        Assert.That((int)preflight.StatusCode, Is.EqualTo(200));
        Assert.That(Header(preflight, "Access-Control-Allow-Origin"), Is.EqualTo("*"));
    }
}
