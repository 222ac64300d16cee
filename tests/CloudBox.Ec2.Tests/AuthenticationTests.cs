using System.Net;
using CloudBox.Core.Data;

namespace CloudBox.Ec2.Tests;

/// <summary>Requests are signed with the EC2 credential and the shared AWS signature code; refusals are EC2's codes in EC2's error document.</summary>
public class AuthenticationTests(DatabaseEngine engine) : Ec2Fixture(engine)
{
    [Test]
    public async Task AGoodSignatureIsAnsweredInEc2sNamespace()
    {
        var answer = await Ec2.OkAsync("DescribeRegions");
        Assert.That(answer.First("regionName"), Is.EqualTo("RegionOne"));
        Assert.That(answer.First("regionEndpoint"), Is.EqualTo(new Uri(Cloud.Options.Ec2PublicUrl).Authority));
    }

    [Test]
    public async Task AWrongSecretIsSignatureDoesNotMatch()
    {
        var wrong = new Ec2Client(Cloud.Options.Ec2PublicUrl, Ec2.Access, Ec2.Secret + "x");
        var answer = await wrong.FailsAsync("SignatureDoesNotMatch", "DescribeRegions");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task AnUnknownAccessKeyIsAuthFailure()
    {
        var unknown = new Ec2Client(Cloud.Options.Ec2PublicUrl, "AKIDUNKNOWN0000", "secret");
        var answer = await unknown.FailsAsync("AuthFailure", "DescribeRegions");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task AnExpiredSignatureIsRequestExpired()
    {
        var late = new Ec2Client(Cloud.Options.Ec2PublicUrl, Ec2.Access, Ec2.Secret) { ClockOffset = TimeSpan.FromMinutes(-20) };
        await late.FailsAsync("RequestExpired", "DescribeRegions");
    }

    [Test]
    public async Task ASignatureForAnotherRegionIsRefused()
    {
        var elsewhere = new Ec2Client(Cloud.Options.Ec2PublicUrl, Ec2.Access, Ec2.Secret, region: "us-east-1");
        var answer = await elsewhere.FailsAsync("AuthFailure", "DescribeRegions");
        Assert.That(answer.Text, Does.Contain("RegionOne"));
    }

    [Test]
    public async Task AnUnsignedRequestIsRefused()
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(Cloud.Options.Ec2PublicUrl + "/", new FormUrlEncodedContent([new("Action", "DescribeRegions"), new("Version", "2016-11-15")]));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("<Code>MissingAuthenticationToken</Code>"));
    }

    [Test]
    public async Task AnUnknownActionIsInvalidAction()
    {
        await Ec2.FailsAsync("InvalidAction", "DescribeEverything");
    }

    [Test]
    public async Task TheCatalogPublishesTheEc2Port()
    {
        var (_, body, response) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/catalog", AdminToken);
        var ec2 = body!["catalog"]!.AsArray().Single(s => s!["type"]!.GetValue<string>() == "ec2");
        Assert.That(ec2!["endpoints"]!.AsArray().Select(e => e!["url"]!.GetValue<string>()), Has.All.EqualTo(Cloud.Options.Ec2PublicUrl), response.ToString());
    }
}
