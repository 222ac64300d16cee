using System.Text.Json.Nodes;
using System.Xml.Linq;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.Swift;

public class AccountAndContainerTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    [Test]
    public async Task ContainerPutIsCreatedThenAcceptedAndCountsShowInHeaders()
    {
        var container = await CreateContainerAsync();
        using (var again = await SendAsync("PUT", $"{Account}/{container}", AdminToken))
            Assert.That((int)again.StatusCode, Is.EqualTo(202));
        await PutObjectAsync(container, "a", "hello");
        await PutObjectAsync(container, "b", "world!");
        await PutObjectAsync(container, "a", "hello again"); // replacing does not count twice

        using var head = await SendAsync("HEAD", $"{Account}/{container}", AdminToken);
        Assert.That((int)head.StatusCode, Is.EqualTo(204));
        Assert.That(Header(head, "X-Container-Object-Count"), Is.EqualTo("2"));
        Assert.That(Header(head, "X-Container-Bytes-Used"), Is.EqualTo("17"));
        Assert.That(Header(head, "X-Timestamp"), Does.Match(@"^\d+\.\d{5}$"));
        Assert.That(Header(head, "X-Trans-Id"), Does.StartWith("tx"));

        using var account = await SendAsync("HEAD", Account, AdminToken);
        Assert.That((int)account.StatusCode, Is.EqualTo(204));
        Assert.That(long.Parse(Header(account, "X-Account-Container-Count")), Is.GreaterThanOrEqualTo(1));
        Assert.That(long.Parse(Header(account, "X-Account-Object-Count")), Is.GreaterThanOrEqualTo(2));
        Assert.That(long.Parse(Header(account, "X-Account-Bytes-Used")), Is.GreaterThanOrEqualTo(17));
    }

    [Test]
    public async Task MetadataIsSetReplacedAndRemovedOnAccountsAndContainers()
    {
        var container = await CreateContainerAsync(null, ("X-Container-Meta-Color", "red"), ("X-Container-Meta-Size", "big"));
        using (var post = await SendAsync("POST", $"{Account}/{container}", AdminToken, null, ("X-Container-Meta-Color", "blue"), ("X-Remove-Container-Meta-Size", "x")))
            Assert.That((int)post.StatusCode, Is.EqualTo(204));
        using (var head = await SendAsync("HEAD", $"{Account}/{container}", AdminToken))
        {
            Assert.That(Header(head, "X-Container-Meta-Color"), Is.EqualTo("blue"));
            Assert.That(head.Headers.Contains("X-Container-Meta-Size"), Is.False);
        }

        using (var post = await SendAsync("POST", Account, AdminToken, null, ("X-Account-Meta-Owner", "ops")))
            Assert.That((int)post.StatusCode, Is.EqualTo(204));
        using (var head = await SendAsync("HEAD", Account, AdminToken))
            Assert.That(Header(head, "X-Account-Meta-Owner"), Is.EqualTo("ops"));

        using var tooLong = await SendAsync("POST", $"{Account}/{container}", AdminToken, null, ("X-Container-Meta-" + new string('n', 129), "v"));
        Assert.That((int)tooLong.StatusCode, Is.EqualTo(400));
    }

    [Test]
    public async Task ListingsHonourPrefixDelimiterMarkersLimitAndReverse()
    {
        var container = await CreateContainerAsync();
        foreach (var name in new[] { "a.txt", "b/1", "b/2", "b/c/3", "d.txt", "e" })
            await PutObjectAsync(container, name, name);
        var path = $"{Account}/{container}";

        Assert.That(await GetTextAsync(path, AdminToken), Is.EqualTo("a.txt\nb/1\nb/2\nb/c/3\nd.txt\ne\n"));
        Assert.That(await GetTextAsync($"{path}?delimiter=/", AdminToken), Is.EqualTo("a.txt\nb/\nd.txt\ne\n"));
        Assert.That(await GetTextAsync($"{path}?prefix=b/&delimiter=/", AdminToken), Is.EqualTo("b/1\nb/2\nb/c/\n"));
        Assert.That(await GetTextAsync($"{path}?marker=b/2&end_marker=e", AdminToken), Is.EqualTo("b/c/3\nd.txt\n"));
        Assert.That(await GetTextAsync($"{path}?limit=2", AdminToken), Is.EqualTo("a.txt\nb/1\n"));
        Assert.That(await GetTextAsync($"{path}?reverse=true&limit=3", AdminToken), Is.EqualTo("e\nd.txt\nb/c/3\n"));
        Assert.That(await GetTextAsync($"{path}?path=b", AdminToken), Is.EqualTo("b/1\nb/2\nb/c/\n"));

        var json = JsonNode.Parse(await GetTextAsync($"{path}?format=json&prefix=a", AdminToken))!.AsArray();
        Assert.That(json, Has.Count.EqualTo(1));
        Assert.That(json[0]!["name"]!.GetValue<string>(), Is.EqualTo("a.txt"));
        Assert.That(json[0]!["bytes"]!.GetValue<long>(), Is.EqualTo(5));
        Assert.That(json[0]!["hash"]!.GetValue<string>(), Is.EqualTo(Md5("a.txt")));
        Assert.That(json[0]!["content_type"]!.GetValue<string>(), Is.EqualTo("text/plain"));
        Assert.That(json[0]!["last_modified"]!.GetValue<string>(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"));
        var subdirs = JsonNode.Parse(await GetTextAsync($"{path}?format=json&delimiter=/&prefix=b/", AdminToken))!.AsArray();
        Assert.That(subdirs[2]!["subdir"]!.GetValue<string>(), Is.EqualTo("b/c/"));

        var xml = XDocument.Parse(await GetTextAsync($"{path}?format=xml&limit=1", AdminToken));
        Assert.That(xml.Root!.Name.LocalName, Is.EqualTo("container"));
        Assert.That(xml.Root.Attribute("name")!.Value, Is.EqualTo(container));
        Assert.That(xml.Root.Element("object")!.Element("name")!.Value, Is.EqualTo("a.txt"));

        using var accept = await SendAsync("GET", path + "?limit=1", AdminToken, null, ("Accept", "application/json"));
        Assert.That(ContentTypeOf(accept)!.MediaType, Is.EqualTo("application/json"));

        using var tooMany = await SendAsync("GET", path + "?limit=10001", AdminToken);
        Assert.That((int)tooMany.StatusCode, Is.EqualTo(412));
    }

    [Test]
    public async Task AccountListsContainersWithCountsInEveryFormat()
    {
        var container = await CreateContainerAsync("listed-" + Guid.NewGuid().ToString("N")[..6]);
        await PutObjectAsync(container, "x", "12345");
        var json = JsonNode.Parse(await GetTextAsync($"{Account}?format=json&prefix={container}", AdminToken))!.AsArray();
        Assert.That(json, Has.Count.EqualTo(1));
        Assert.That(json[0]!["count"]!.GetValue<long>(), Is.EqualTo(1));
        Assert.That(json[0]!["bytes"]!.GetValue<long>(), Is.EqualTo(5));
        var xml = XDocument.Parse(await GetTextAsync($"{Account}?format=xml&prefix={container}", AdminToken));
        Assert.That(xml.Root!.Name.LocalName, Is.EqualTo("account"));
        Assert.That(xml.Root.Element("container")!.Element("count")!.Value, Is.EqualTo("1"));
        Assert.That(await GetTextAsync($"{Account}?prefix={container}", AdminToken), Is.EqualTo(container + "\n"));
        using var empty = await SendAsync("GET", $"{Account}?prefix=nothing-has-this-name", AdminToken);
        Assert.That((int)empty.StatusCode, Is.EqualTo(204));
    }

    [Test]
    public async Task OnlyEmptyContainersCanBeDeleted()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "o", "x");
        using (var busy = await SendAsync("DELETE", $"{Account}/{container}", AdminToken))
            Assert.That((int)busy.StatusCode, Is.EqualTo(409));
        using (var deleteObject = await SendAsync("DELETE", $"{Account}/{container}/o", AdminToken))
            Assert.That((int)deleteObject.StatusCode, Is.EqualTo(204));
        using (var delete = await SendAsync("DELETE", $"{Account}/{container}", AdminToken))
            Assert.That((int)delete.StatusCode, Is.EqualTo(204));
        using var gone = await SendAsync("HEAD", $"{Account}/{container}", AdminToken);
        Assert.That((int)gone.StatusCode, Is.EqualTo(404));
        using var missing = await SendAsync("GET", $"{Account}/{container}", AdminToken);
        Assert.That(await missing.Content.ReadAsStringAsync(), Does.Contain("Not Found"));
    }

    [Test]
    public async Task LongContainerNamesAreRefused()
    {
        using var response = await SendAsync("PUT", $"{Account}/{new string('c', 257)}", AdminToken);
        Assert.That((int)response.StatusCode, Is.EqualTo(400));
    }

    [Test]
    public async Task InfoAdvertisesCapabilities()
    {
        using var response = await SendAsync("GET", "/object-store/info", null);
        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        var info = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(info["swift"]!["max_file_size"]!.GetValue<long>(), Is.GreaterThan(5L << 30));
        Assert.That(info["bulk_delete"]!["max_deletes_per_request"]!.GetValue<int>(), Is.EqualTo(10000));
        Assert.That(info["slo"], Is.Not.Null);
        Assert.That(info["tempurl"]!["allowed_digests"]!.AsArray().Select(d => d!.GetValue<string>()), Does.Contain("sha256"));
    }
}
