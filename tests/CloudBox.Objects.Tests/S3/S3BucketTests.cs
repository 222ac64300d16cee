using System.Net;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.S3;

public class S3BucketTests(DatabaseEngine engine) : S3Fixture(engine)
{
    [Test]
    public async Task BucketsAreCreatedListedInspectedAndDeleted()
    {
        var account = await NewAccountAsync();
        var bucket = Bucket();
        var created = await account.S3.SendAsync("PUT", "/" + bucket);
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await account.S3.SendAsync("GET", "/")).All("Name"), Does.Contain(bucket));
        Assert.That((await account.S3.SendAsync("HEAD", "/" + bucket)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await account.S3.SendAsync("GET", "/" + bucket, query: "location")).Xml.Root!.Name.LocalName, Is.EqualTo("LocationConstraint"));

        Assert.That((await account.S3.SendAsync("PUT", "/" + bucket)).ErrorCode, Is.EqualTo("BucketAlreadyOwnedByYou"));
        await account.S3.SendAsync("PUT", $"/{bucket}/k", "v"u8.ToArray());
        var notEmpty = await account.S3.SendAsync("DELETE", "/" + bucket);
        Assert.That((notEmpty.Status, notEmpty.ErrorCode), Is.EqualTo((HttpStatusCode.Conflict, "BucketNotEmpty")));
        await account.S3.SendAsync("DELETE", $"/{bucket}/k");
        Assert.That((await account.S3.SendAsync("DELETE", "/" + bucket)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await account.S3.SendAsync("HEAD", "/" + bucket)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await account.S3.SendAsync("GET", "/" + bucket)).ErrorCode, Is.EqualTo("NoSuchBucket"));
    }

    [Test]
    public async Task AnotherProjectsBucketIsDeniedAndItsNameTaken()
    {
        var owner = await NewAccountAsync();
        var other = await NewAccountAsync();
        var bucket = Bucket();
        await owner.S3.SendAsync("PUT", "/" + bucket);
        await owner.S3.SendAsync("PUT", $"/{bucket}/secret.txt", "mine"u8.ToArray());

        foreach (var (method, path) in new[] { ("GET", "/" + bucket), ("GET", $"/{bucket}/secret.txt"), ("PUT", $"/{bucket}/x"), ("DELETE", $"/{bucket}/secret.txt") })
        {
            var response = await other.S3.SendAsync(method, path, method == "PUT" ? "x"u8.ToArray() : null);
            Assert.That((response.Status, response.ErrorCode), Is.EqualTo((HttpStatusCode.Forbidden, "AccessDenied")), $"{method} {path}");
        }
        var taken = await other.S3.SendAsync("PUT", "/" + bucket);
        Assert.That((taken.Status, taken.ErrorCode), Is.EqualTo((HttpStatusCode.Conflict, "BucketAlreadyExists")));
        Assert.That((await other.S3.SendAsync("GET", "/")).All("Name"), Does.Not.Contain(bucket));
        Assert.That((await owner.S3.SendAsync("GET", $"/{bucket}/secret.txt")).Text, Is.EqualTo("mine"));
    }

    [Test]
    public async Task AclsShowTheProjectAsSoleOwner()
    {
        var account = await NewAccountAsync();
        var bucket = Bucket();
        await account.S3.SendAsync("PUT", "/" + bucket);
        await account.S3.SendAsync("PUT", $"/{bucket}/k", "v"u8.ToArray());
        foreach (var path in new[] { "/" + bucket, $"/{bucket}/k" })
        {
            var acl = await account.S3.SendAsync("GET", path, query: "acl");
            Assert.That(acl.All("Permission"), Is.EqualTo(new[] { "FULL_CONTROL" }), path);
            Assert.That(acl.All("ID").Distinct(), Is.EqualTo(new[] { account.ProjectId }), path);
        }
        Assert.That((await account.S3.SendAsync("GET", $"/{bucket}/missing", query: "acl")).ErrorCode, Is.EqualTo("NoSuchKey"));
    }

    [Test]
    public async Task InvalidBucketNamesAreRefused()
    {
        var account = await NewAccountAsync();
        foreach (var name in new[] { "ab", "Upper-Case", "under_score", "-leading" })
            Assert.That((await account.S3.SendAsync("PUT", "/" + name)).ErrorCode, Is.EqualTo("InvalidBucketName"), name);
    }
}
