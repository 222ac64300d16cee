using System.Net;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>Version discovery and microversion negotiation, as novaclient and openstacksdk use them.</summary>
public sealed class VersionTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    [Test]
    public async Task Root_lists_v2_0_then_v2_1_current_with_its_range()
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var versions = body!["versions"]!.AsArray();
        Assert.That(versions[0]!["id"]!.GetValue<string>(), Is.EqualTo("v2.0"));
        Assert.That(versions[1]!["id"]!.GetValue<string>(), Is.EqualTo("v2.1"));
        Assert.That(versions[1]!["status"]!.GetValue<string>(), Is.EqualTo("CURRENT"));
        Assert.That(versions[1]!["min_version"]!.GetValue<string>(), Is.EqualTo("2.1"));
        Assert.That(versions[1]!["version"]!.GetValue<string>(), Is.EqualTo(Api.Microversions.Maximum));

        var (selfStatus, self, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/v2.1", null);
        Assert.That(selfStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(self!["version"]!["id"]!.GetValue<string>(), Is.EqualTo("v2.1"));
    }

    [Test]
    public async Task Microversion_is_echoed_and_out_of_range_is_406()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/compute/v2.1/flavors");
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("OpenStack-API-Version", "compute latest");
        var response = await Cloud.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("OpenStack-API-Version").Single(), Is.EqualTo("compute " + Api.Microversions.Maximum));
        Assert.That(response.Headers.GetValues("X-OpenStack-Nova-API-Version").Single(), Is.EqualTo(Api.Microversions.Maximum));
        Assert.That(response.Headers.Vary.ToString(), Does.Contain("OpenStack-API-Version"));

        using var tooNew = new HttpRequestMessage(HttpMethod.Get, "/compute/v2.1/flavors");
        tooNew.Headers.Add("X-Auth-Token", AdminToken);
        tooNew.Headers.Add("X-OpenStack-Nova-API-Version", "2.92");
        var refused = await Cloud.Client.SendAsync(tooNew);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.NotAcceptable));
    }

    [Test]
    public async Task Faults_use_novas_body()
    {
        var (status, body, _) = await Nova(HttpMethod.Get, "/servers/" + Guid.NewGuid(), AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(body!["itemNotFound"]!["code"]!.GetValue<int>(), Is.EqualTo(404));
        Assert.That(body["itemNotFound"]!["message"]!.GetValue<string>(), Does.Contain("could not be found"));
    }
}
