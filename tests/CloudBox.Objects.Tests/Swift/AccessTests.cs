using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.Swift;

public class AccessTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    [Test]
    public async Task AnotherProjectCannotReachAnAccountItDoesNotOwn()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "secret", "mine");
        var (token, projectId, _) = await MemberAsync();

        foreach (var (method, path) in new[] { ("GET", Account), ("HEAD", $"{Account}/{container}"), ("GET", $"{Account}/{container}/secret"),
                     ("PUT", $"{Account}/{container}/planted"), ("DELETE", $"{Account}/{container}/secret"), ("PUT", $"{Account}/new-one") })
        {
            using var response = await SendAsync(method, path, token, method == "PUT" ? "x" : null);
            Assert.That((int)response.StatusCode, Is.EqualTo(403), $"{method} {path}");
        }
        // Its own account works.
        using (var own = await SendAsync("PUT", $"{AccountOf(projectId)}/mine", token))
            Assert.That((int)own.StatusCode, Is.EqualTo(201));
        using var anonymous = await SendAsync("GET", $"{Account}/{container}/secret", null);
        Assert.That((int)anonymous.StatusCode, Is.EqualTo(401));
        using var badToken = await SendAsync("GET", $"{Account}/{container}/secret", "not-a-token");
        Assert.That((int)badToken.StatusCode, Is.EqualTo(401));
    }

    [Test]
    public async Task PublicReadLetsAnyoneGetObjectsButListingNeedsRlistings()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "page.html", "<p>hi</p>");
        using (var post = await SendAsync("POST", $"{Account}/{container}", AdminToken, null, ("X-Container-Read", ".r:*")))
            Assert.That((int)post.StatusCode, Is.EqualTo(204));
        Assert.That(await GetTextAsync($"{Account}/{container}/page.html", null), Is.EqualTo("<p>hi</p>"));
        using (var list = await SendAsync("GET", $"{Account}/{container}", null))
            Assert.That((int)list.StatusCode, Is.EqualTo(401));
        using (var write = await SendAsync("PUT", $"{Account}/{container}/vandal", null, "x"))
            Assert.That((int)write.StatusCode, Is.EqualTo(401));

        await SendAsync("POST", $"{Account}/{container}", AdminToken, null, ("X-Container-Read", ".r:*,.rlistings"));
        Assert.That(await GetTextAsync($"{Account}/{container}", null), Is.EqualTo("page.html\n"));
        // ACLs are not shown to ACL readers.
        using var head = await SendAsync("HEAD", $"{Account}/{container}", null);
        Assert.That(head.Headers.Contains("X-Container-Read"), Is.False);
    }

    [Test]
    public async Task ProjectUserAclsGrantReadAndWrite()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "shared", "for friends");
        var (token, projectId, userName) = await MemberAsync();
        using (var denied = await SendAsync("GET", $"{Account}/{container}/shared", token))
            Assert.That((int)denied.StatusCode, Is.EqualTo(403));

        await SendAsync("POST", $"{Account}/{container}", AdminToken, null, ("X-Container-Read", $"{projectId}:*"));
        Assert.That(await GetTextAsync($"{Account}/{container}/shared", token), Is.EqualTo("for friends"));
        Assert.That(await GetTextAsync($"{Account}/{container}", token), Is.EqualTo("shared\n"));
        using (var write = await SendAsync("PUT", $"{Account}/{container}/theirs", token, "x"))
            Assert.That((int)write.StatusCode, Is.EqualTo(403));

        await SendAsync("POST", $"{Account}/{container}", AdminToken, null, ("X-Container-Write", $"*:{userName}"));
        using (var write = await SendAsync("PUT", $"{Account}/{container}/theirs", token, "x"))
            Assert.That((int)write.StatusCode, Is.EqualTo(201));
        // Write access to objects is not ownership of the container.
        using var delete = await SendAsync("DELETE", $"{Account}/{container}", token);
        Assert.That((int)delete.StatusCode, Is.EqualTo(403));
    }

    [Test]
    public async Task AProjectReaderMayLookButNotChange()
    {
        var (readerToken, readerProject, _) = await MemberAsync("reader");
        using (var ownAccount = await SendAsync("PUT", $"{AccountOf(readerProject)}/mine", readerToken))
            Assert.That((int)ownAccount.StatusCode, Is.EqualTo(403), "a reader cannot create containers even in its own account");
        using (var list = await SendAsync("GET", AccountOf(readerProject), readerToken))
            Assert.That((int)list.StatusCode, Is.EqualTo(204), "but it can look at its (empty) account");
    }

    [Test]
    public async Task APublicManifestIsNoKeyToPrivateSegments()
    {
        var segments = await CreateContainerAsync();
        await PutObjectAsync(segments, "part/1", "private bytes");
        var shop = await CreateContainerAsync(null, ("X-Container-Read", ".r:*"));
        await PutObjectAsync(shop, "window", "", ("X-Object-Manifest", $"{segments}/part/"));
        using (var anonymous = await SendAsync("GET", $"{Account}/{shop}/window", null))
            Assert.That((int)anonymous.StatusCode, Is.EqualTo(401));
        Assert.That(await GetTextAsync($"{Account}/{shop}/window", AdminToken), Is.EqualTo("private bytes"));

        await SendAsync("POST", $"{Account}/{segments}", AdminToken, null, ("X-Container-Read", ".r:*"));
        Assert.That(await GetTextAsync($"{Account}/{shop}/window", null), Is.EqualTo("private bytes"));
    }

    [Test]
    public async Task WriteAclsRefuseReferrers()
    {
        var container = await CreateContainerAsync();
        using var response = await SendAsync("POST", $"{Account}/{container}", AdminToken, null, ("X-Container-Write", ".r:*"));
        Assert.That((int)response.StatusCode, Is.EqualTo(400));
    }

    [TestCase("sha1")]
    [TestCase("sha256")]
    public async Task TempUrlsGrantTimeLimitedAccessToOneObject(string digest)
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "temp", "temporary");
        var key = Guid.NewGuid().ToString("N");
        await SendAsync("POST", Account, AdminToken, null, ("X-Account-Meta-Temp-URL-Key", key));
        var expires = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60;
        var objectPath = $"/v1/AUTH_{AdminProjectId}/{container}/temp";
        string Sign(string method, long at, string path)
        {
            var body = Encoding.UTF8.GetBytes($"{method}\n{at}\n{path}");
            var mac = digest == "sha1" ? HMACSHA1.HashData(Encoding.UTF8.GetBytes(key), body) : HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body);
            return Convert.ToHexStringLower(mac);
        }
        var url = $"/object-store{objectPath}?temp_url_sig={Sign("GET", expires, objectPath)}&temp_url_expires={expires}";
        Assert.That(await GetTextAsync(url, null), Is.EqualTo("temporary"));

        using (var wrongMethod = await SendAsync("DELETE", url, null))
            Assert.That((int)wrongMethod.StatusCode, Is.EqualTo(401));
        var past = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1;
        using (var expired = await SendAsync("GET", $"/object-store{objectPath}?temp_url_sig={Sign("GET", past, objectPath)}&temp_url_expires={past}", null))
            Assert.That((int)expired.StatusCode, Is.EqualTo(401));
        using (var tampered = await SendAsync("GET", $"/object-store{objectPath}x?temp_url_sig={Sign("GET", expires, objectPath)}&temp_url_expires={expires}", null))
            Assert.That((int)tampered.StatusCode, Is.EqualTo(401));

        var putUrl = $"/object-store{objectPath}?temp_url_sig={Sign("PUT", expires, objectPath)}&temp_url_expires={expires}";
        using (var put = await SendAsync("PUT", putUrl, null, "replaced"))
            Assert.That((int)put.StatusCode, Is.EqualTo(201));
        Assert.That(await GetTextAsync($"{Account}/{container}/temp", AdminToken), Is.EqualTo("replaced"));
    }
}
