using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.Swift;

public class LargeObjectTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    [Test]
    public async Task DynamicLargeObjectsConcatenateTheirPrefixInNameOrder()
    {
        var container = await CreateContainerAsync();
        var segments = await CreateContainerAsync();
        await PutObjectAsync(segments, "big/002", "world");
        await PutObjectAsync(segments, "big/001", "hello ");
        using (var manifest = await SendAsync("PUT", $"{Account}/{container}/big", AdminToken, "", ("X-Object-Manifest", $"{segments}/big/")))
            Assert.That((int)manifest.StatusCode, Is.EqualTo(201));

        using var get = await SendAsync("GET", $"{Account}/{container}/big", AdminToken);
        Assert.That(await get.Content.ReadAsStringAsync(), Is.EqualTo("hello world"));
        Assert.That(Header(get, "X-Object-Manifest"), Is.EqualTo($"{segments}/big/"));
        Assert.That(Header(get, "ETag"), Is.EqualTo($"\"{Md5(Md5("hello ") + Md5("world"))}\""));
        using var range = await SendAsync("GET", $"{Account}/{container}/big", AdminToken, null, ("Range", "bytes=4-7"));
        Assert.That(await range.Content.ReadAsStringAsync(), Is.EqualTo("o wo"));

        using (var manifestItself = await SendAsync("GET", $"{Account}/{container}/big?multipart-manifest=get", AdminToken))
        {
            Assert.That(await manifestItself.Content.ReadAsStringAsync(), Is.Empty);
            Assert.That(Header(manifestItself, "X-Object-Manifest"), Is.EqualTo($"{segments}/big/"));
        }

        // A DLO is whatever its prefix holds when read.
        await PutObjectAsync(segments, "big/003", "!");
        Assert.That(await GetTextAsync($"{Account}/{container}/big", AdminToken), Is.EqualTo("hello world!"));
    }

    [Test]
    public async Task StaticLargeObjectsAreCheckedAtPutAndAssembledAtGet()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "s/1", "abc");
        await PutObjectAsync(container, "s/2", "defgh");
        var manifest = new JsonArray(
            new JsonObject { ["path"] = $"/{container}/s/1", ["etag"] = Md5("abc"), ["size_bytes"] = 3 },
            new JsonObject { ["path"] = $"/{container}/s/2", ["etag"] = Md5("defgh"), ["size_bytes"] = 5 },
            new JsonObject { ["path"] = $"/{container}/s/2", ["range"] = "1-2" });
        using (var put = await SendAsync("PUT", $"{Account}/{container}/slo?multipart-manifest=put", AdminToken, manifest.ToJsonString()))
            Assert.That((int)put.StatusCode, Is.EqualTo(201), await put.Content.ReadAsStringAsync());

        using var get = await SendAsync("GET", $"{Account}/{container}/slo", AdminToken);
        Assert.That(await get.Content.ReadAsStringAsync(), Is.EqualTo("abcdefghef"));
        Assert.That(Header(get, "X-Static-Large-Object"), Is.EqualTo("True"));
        Assert.That(get.Content.Headers.ContentLength, Is.EqualTo(10));
        using (var range = await SendAsync("GET", $"{Account}/{container}/slo", AdminToken, null, ("Range", "bytes=2-4")))
            Assert.That(await range.Content.ReadAsStringAsync(), Is.EqualTo("cde"));

        var stored = JsonNode.Parse(await GetTextAsync($"{Account}/{container}/slo?multipart-manifest=get", AdminToken))!.AsArray();
        Assert.That(stored, Has.Count.EqualTo(3));
        Assert.That(stored[0]!["name"]!.GetValue<string>(), Is.EqualTo($"/{container}/s/1"));
        Assert.That(stored[0]!["hash"]!.GetValue<string>(), Is.EqualTo(Md5("abc")));

        var listing = JsonNode.Parse(await GetTextAsync($"{Account}/{container}?format=json&prefix=slo", AdminToken))!.AsArray();
        Assert.That(listing[0]!["bytes"]!.GetValue<long>(), Is.EqualTo(10));

        var bad = new JsonArray(new JsonObject { ["path"] = $"/{container}/s/1", ["etag"] = Md5("other") }, new JsonObject { ["path"] = $"/{container}/nope" });
        using (var refused = await SendAsync("PUT", $"{Account}/{container}/bad?multipart-manifest=put", AdminToken, bad.ToJsonString()))
        {
            Assert.That((int)refused.StatusCode, Is.EqualTo(400));
            var text = await refused.Content.ReadAsStringAsync();
            Assert.That(text, Does.Contain("Etag Mismatch"));
            Assert.That(text, Does.Contain("404 Not Found"));
        }

        using (var delete = await SendAsync("DELETE", $"{Account}/{container}/slo?multipart-manifest=delete", AdminToken, null, ("Accept", "application/json")))
        {
            Assert.That((int)delete.StatusCode, Is.EqualTo(200));
            var result = JsonNode.Parse(await delete.Content.ReadAsStringAsync())!;
            Assert.That(result["Number Deleted"]!.GetValue<int>(), Is.EqualTo(3));
        }
        using var empty = await SendAsync("GET", $"{Account}/{container}", AdminToken);
        Assert.That((int)empty.StatusCode, Is.EqualTo(204));
    }

    [Test]
    public async Task StackVersioningArchivesOverwritesAndDeleteRestoresThePrevious()
    {
        var archive = await CreateContainerAsync();
        var container = await CreateContainerAsync(null, ("X-Versions-Location", archive));
        await PutObjectAsync(container, "doc", "v1");
        await PutObjectAsync(container, "doc", "v2");
        await PutObjectAsync(container, "doc", "v3");
        Assert.That(await GetTextAsync($"{Account}/{container}/doc", AdminToken), Is.EqualTo("v3"));
        var versions = (await GetTextAsync($"{Account}/{archive}", AdminToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(versions, Has.Length.EqualTo(2));
        Assert.That(versions, Has.All.StartWith("003doc/"));

        using (var delete = await SendAsync("DELETE", $"{Account}/{container}/doc", AdminToken))
            Assert.That((int)delete.StatusCode, Is.EqualTo(204));
        Assert.That(await GetTextAsync($"{Account}/{container}/doc", AdminToken), Is.EqualTo("v2"));
        await SendAsync("DELETE", $"{Account}/{container}/doc", AdminToken);
        Assert.That(await GetTextAsync($"{Account}/{container}/doc", AdminToken), Is.EqualTo("v1"));
        await SendAsync("DELETE", $"{Account}/{container}/doc", AdminToken);
        using var gone = await SendAsync("GET", $"{Account}/{container}/doc", AdminToken);
        Assert.That((int)gone.StatusCode, Is.EqualTo(404));

        using var head = await SendAsync("HEAD", $"{Account}/{container}", AdminToken);
        Assert.That(Header(head, "X-Versions-Location"), Is.EqualTo(archive));
        Assert.That(Header(head, "X-Container-Object-Count"), Is.EqualTo("0"));
    }

    [Test]
    public async Task HistoryVersioningKeepsEveryVersionAndADeleteMarker()
    {
        var archive = await CreateContainerAsync();
        var container = await CreateContainerAsync(null, ("X-History-Location", archive));
        await PutObjectAsync(container, "doc", "v1");
        await PutObjectAsync(container, "doc", "v2");
        using (var delete = await SendAsync("DELETE", $"{Account}/{container}/doc", AdminToken))
            Assert.That((int)delete.StatusCode, Is.EqualTo(204));
        using (var gone = await SendAsync("GET", $"{Account}/{container}/doc", AdminToken))
            Assert.That((int)gone.StatusCode, Is.EqualTo(404));
        var versions = JsonNode.Parse(await GetTextAsync($"{Account}/{archive}?format=json", AdminToken))!.AsArray();
        Assert.That(versions, Has.Count.EqualTo(3));
        Assert.That(versions[2]!["content_type"]!.GetValue<string>(), Is.EqualTo("application/x-deleted;swift_versions_deleted=1"));
        Assert.That(await GetTextAsync($"{Account}/{archive}/{versions[0]!["name"]!.GetValue<string>()}", AdminToken), Is.EqualTo("v1"));
    }

    [Test]
    public async Task BulkDeleteRemovesObjectsAndContainersAndReportsWhatWasMissing()
    {
        var container = await CreateContainerAsync();
        var other = await CreateContainerAsync();
        await PutObjectAsync(container, "one", "1");
        await PutObjectAsync(container, "two words", "2");
        var body = $"/{container}/one\n/{container}/two%20words\n/{container}/missing\n/{other}\n";
        using var response = await SendAsync("POST", $"{Account}?bulk-delete", AdminToken, body, ("Content-Type", "text/plain"), ("Accept", "application/json"));
        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(result["Number Deleted"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(result["Number Not Found"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(result["Response Status"]!.GetValue<string>(), Is.EqualTo("200 OK"));
        using var head = await SendAsync("HEAD", $"{Account}/{container}", AdminToken);
        Assert.That(Header(head, "X-Container-Object-Count"), Is.EqualTo("0"));
        using var deleted = await SendAsync("HEAD", $"{Account}/{other}", AdminToken);
        Assert.That((int)deleted.StatusCode, Is.EqualTo(404));
    }
}
