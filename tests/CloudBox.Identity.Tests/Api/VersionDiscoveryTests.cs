using System.Net;
using CloudBox.Core.Data;

namespace CloudBox.Identity.Tests.Api;

public class VersionDiscoveryTests(DatabaseEngine engine) : EngineFixture(engine)
{
    [Test]
    public async Task RootAnswers300WithAStableV3()
    {
        var (status, body, _) = await Server.SendAsync(HttpMethod.Get, "/identity", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.MultipleChoices));
        var version = body!["versions"]!["values"]![0]!;
        Assert.Multiple(() =>
        {
            Assert.That(version["id"]!.GetValue<string>(), Does.StartWith("v3."));
            Assert.That(version["status"]!.GetValue<string>(), Is.EqualTo("stable"));
            Assert.That(version["links"]![0]!["href"]!.GetValue<string>(), Is.EqualTo(Server.BaseUrl + "/identity/v3/"));
            Assert.That(version["media-types"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("application/vnd.openstack.identity-v3+json"));
        });
    }

    [Test]
    public async Task V3AnswersItsOwnVersionDocument()
    {
        var (status, body, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["version"]!["status"]!.GetValue<string>(), Is.EqualTo("stable"));
    }

    [Test]
    public async Task EveryResponseCarriesARequestId()
    {
        var (_, _, ok) = await Server.SendAsync(HttpMethod.Get, "/identity/v3", null);
        var (_, _, missing) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/nothing-here", null);
        Assert.That(ok.Headers.GetValues("X-OpenStack-Request-ID").Single(), Does.Match("^req-[0-9a-f-]{36}$"));
        Assert.That(missing.Headers.GetValues("X-OpenStack-Request-ID").Single(), Does.Match("^req-[0-9a-f-]{36}$"));
    }

    [Test]
    public async Task UnknownPathIsAKeystone404()
    {
        var (status, body, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/nothing-here", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(body!["error"]!["code"]!.GetValue<int>(), Is.EqualTo(404));
        Assert.That(body["error"]!["title"]!.GetValue<string>(), Is.EqualTo("Not Found"));
    }

    [Test]
    public async Task HealthzIsReady()
    {
        var response = await Server.Client.GetAsync("/healthz");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
