using System.Net;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.S3;

public class S3AuthenticationTests(DatabaseEngine engine) : S3Fixture(engine)
{
    [Test]
    public async Task AWrongSecretIsSignatureDoesNotMatchInS3Xml()
    {
        var account = await NewAccountAsync();
        var response = await account.S3.SendAsync("GET", "/", signWith: "not-the-secret");
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(response.ErrorCode, Is.EqualTo("SignatureDoesNotMatch"));
            Assert.That(response.Xml.Root!.Element("RequestId")?.Value, Is.Not.Empty);
            Assert.That(response.Header("x-amz-request-id"), Is.EqualTo(response.Xml.Root!.Element("RequestId")?.Value));
        });
    }

    [Test]
    public async Task UnknownKeysAnonymousAndSkewedRequestsAreRefused()
    {
        var account = await NewAccountAsync();
        var stranger = new S3TestClient(Cloud.S3Url, "AKIDUNKNOWN", "x");
        Assert.That((await stranger.SendAsync("GET", "/")).ErrorCode, Is.EqualTo("InvalidAccessKeyId"));

        using var anonymous = new HttpClient();
        var bare = await anonymous.GetAsync(Cloud.S3Url + "/");
        Assert.That(bare.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await bare.Content.ReadAsStringAsync(), Does.Contain("<Code>AccessDenied</Code>"));

        var skewed = await account.S3.SendAsync("GET", "/", at: DateTimeOffset.UtcNow.AddMinutes(-20));
        Assert.That((skewed.Status, skewed.ErrorCode), Is.EqualTo((HttpStatusCode.Forbidden, "RequestTimeTooSkewed")));
    }

    [Test]
    public async Task PresignedUrlsWorkUntilTheyExpire()
    {
        var account = await NewAccountAsync();
        var bucket = Bucket();
        await account.S3.SendAsync("PUT", "/" + bucket);
        await account.S3.SendAsync("PUT", $"/{bucket}/shared.txt", "shared bytes"u8.ToArray());
        using var anonymous = new HttpClient();

        var fresh = await anonymous.GetAsync(account.S3.Presign("GET", $"/{bucket}/shared.txt", 300));
        Assert.That(await fresh.Content.ReadAsStringAsync(), Is.EqualTo("shared bytes"));

        var stale = await anonymous.GetAsync(account.S3.Presign("GET", $"/{bucket}/shared.txt", 60, DateTimeOffset.UtcNow.AddMinutes(-5)));
        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await stale.Content.ReadAsStringAsync(), Does.Contain("Request has expired"));
    }

    [Test]
    public async Task ACredentialWhoseUserLostTheProjectIsRefused()
    {
        var account = await NewAccountAsync();
        Assert.That((await account.S3.SendAsync("GET", "/")).Status, Is.EqualTo(HttpStatusCode.OK));
        await GrantAsync(account.ProjectId, account.UserId, "member", revoke: true);
        var refused = await account.S3.SendAsync("GET", "/");
        Assert.That((refused.Status, refused.ErrorCode), Is.EqualTo((HttpStatusCode.Forbidden, "AccessDenied")));
    }

    [Test]
    public async Task AReaderMayReadButNotWrite()
    {
        var owner = await NewAccountAsync();
        var bucket = Bucket();
        await owner.S3.SendAsync("PUT", "/" + bucket);
        await owner.S3.SendAsync("PUT", $"/{bucket}/k", "v"u8.ToArray());
        var reader = await NewAccountAsync("reader");
        await GrantAsync(owner.ProjectId, reader.UserId, "reader");
        var readerOnOwner = await ReaderCredentialOnAsync(owner.ProjectId, reader.UserId);

        Assert.That((await readerOnOwner.SendAsync("GET", $"/{bucket}/k")).Text, Is.EqualTo("v"));
        var write = await readerOnOwner.SendAsync("PUT", $"/{bucket}/k2", "x"u8.ToArray());
        Assert.That((write.Status, write.ErrorCode), Is.EqualTo((HttpStatusCode.Forbidden, "AccessDenied")));
    }

    [Test]
    public async Task TheS3PortAnswersOnlyS3AndTheApiPortNoS3()
    {
        var account = await NewAccountAsync();
        // On the S3 port an OpenStack path is just a bucket name.
        var identity = await account.S3.SendAsync("GET", "/identity/v3");
        Assert.That((identity.Status, identity.ErrorCode), Is.EqualTo((HttpStatusCode.NotFound, "NoSuchBucket")));
        // On the API port there is no S3.
        var api = await Cloud.Client.GetAsync("/");
        Assert.That(await api.Content.ReadAsStringAsync(), Does.Not.Contain("ListAllMyBucketsResult"));
    }

    private async Task<S3TestClient> ReaderCredentialOnAsync(string projectId, string userId)
    {
        var (_, created, _) = await Cloud.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/credentials/OS-EC2", AdminToken,
            new System.Text.Json.Nodes.JsonObject { ["tenant_id"] = projectId });
        var credential = created!["credential"]!;
        return new S3TestClient(Cloud.S3Url, credential["access"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());
    }
}
