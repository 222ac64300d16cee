using System.Text;
using CloudBox.Core.Data;
using CloudBox.Objects.Maintenance;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Objects.Tests.Swift;

public class ObjectTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    [Test]
    public async Task PutThenGetReturnsTheBytesWithEtagMetadataAndHeaders()
    {
        var container = await CreateContainerAsync();
        using (var put = await SendAsync("PUT", $"{Account}/{container}/dir/file.bin", AdminToken, "payload",
                   ("Content-Type", "application/x-test"), ("X-Object-Meta-Color", "green"), ("Content-Disposition", "attachment")))
        {
            Assert.That((int)put.StatusCode, Is.EqualTo(201));
            Assert.That(Header(put, "ETag"), Is.EqualTo(Md5("payload")));
        }
        using var get = await SendAsync("GET", $"{Account}/{container}/dir/file.bin", AdminToken);
        Assert.That((int)get.StatusCode, Is.EqualTo(200));
        Assert.That(await get.Content.ReadAsStringAsync(), Is.EqualTo("payload"));
        Assert.That(Header(get, "ETag"), Is.EqualTo(Md5("payload")));
        Assert.That(Header(get, "Content-Type"), Is.EqualTo("application/x-test"));
        Assert.That(Header(get, "X-Object-Meta-Color"), Is.EqualTo("green"));
        Assert.That(Header(get, "Content-Disposition"), Is.EqualTo("attachment"));
        Assert.That(Header(get, "Accept-Ranges"), Is.EqualTo("bytes"));
        Assert.That(get.Content.Headers.LastModified, Is.Not.Null);

        using var head = await SendAsync("HEAD", $"{Account}/{container}/dir/file.bin", AdminToken);
        Assert.That((int)head.StatusCode, Is.EqualTo(200));
        Assert.That(head.Content.Headers.ContentLength, Is.EqualTo(7));
    }

    [Test]
    public async Task AWrongEtagIsRefusedWith422AndNothingIsStored()
    {
        var container = await CreateContainerAsync();
        using (var put = await SendAsync("PUT", $"{Account}/{container}/o", AdminToken, "data", ("ETag", Md5("other"))))
        {
            Assert.That((int)put.StatusCode, Is.EqualTo(422));
            Assert.That(await put.Content.ReadAsStringAsync(), Does.Contain("Unprocessable Entity"));
        }
        using (var badMd5 = await SendAsync("PUT", $"{Account}/{container}/o", AdminToken, "data", ("Content-MD5", Convert.ToBase64String(new byte[16]))))
            Assert.That((int)badMd5.StatusCode, Is.EqualTo(422));
        using (var get = await SendAsync("GET", $"{Account}/{container}/o", AdminToken))
            Assert.That((int)get.StatusCode, Is.EqualTo(404));
        using var head = await SendAsync("HEAD", $"{Account}/{container}", AdminToken);
        Assert.That(Header(head, "X-Container-Object-Count"), Is.EqualTo("0"));

        using var good = await SendAsync("PUT", $"{Account}/{container}/o", AdminToken, "data",
            ("ETag", Md5("data")), ("Content-MD5", Convert.ToBase64String(System.Security.Cryptography.MD5.HashData("data"u8.ToArray()))));
        Assert.That((int)good.StatusCode, Is.EqualTo(201));
    }

    [Test]
    public async Task PutIntoAMissingContainerIs404()
    {
        using var missing = await SendAsync("PUT", $"{Account}/no-such-container/o", AdminToken, "x");
        Assert.That((int)missing.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task ObjectsLargerThanTheJsonBodyLimitStreamInAndOut()
    {
        var container = await CreateContainerAsync();
        var data = new byte[3 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(data);
        using (var put = await SendAsync("PUT", $"{Account}/{container}/big", AdminToken, data))
            Assert.That((int)put.StatusCode, Is.EqualTo(201));
        using var get = await SendAsync("GET", $"{Account}/{container}/big", AdminToken);
        Assert.That(await get.Content.ReadAsByteArrayAsync(), Is.EqualTo(data));
    }

    [Test]
    public async Task BodiesOfManyWriteChunksKeepEveryByteTheirMd5AndRanges()
    {
        // 9 MiB + 5 bytes: the pipelined writer's 4 MiB chunks and the reader's 1 MiB buffers, plus a tail.
        var container = await CreateContainerAsync();
        var data = new byte[9 * 1024 * 1024 + 5];
        Random.Shared.NextBytes(data);
        var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(data));
        using (var put = await SendAsync("PUT", $"{Account}/{container}/many", AdminToken, data))
        {
            Assert.That((int)put.StatusCode, Is.EqualTo(201));
            Assert.That(Header(put, "ETag"), Is.EqualTo(md5));
        }
        using (var chunked = new HttpRequestMessage(HttpMethod.Put, $"{Account}/{container}/many-chunked"))
        {
            chunked.Headers.Add("X-Auth-Token", AdminToken);
            chunked.Headers.TransferEncodingChunked = true;
            chunked.Content = new StreamContent(new MemoryStream(data), 100_000);
            using var put = await Cloud.Client.SendAsync(chunked);
            Assert.That((int)put.StatusCode, Is.EqualTo(201));
            Assert.That(Header(put, "ETag"), Is.EqualTo(md5));
        }
        foreach (var name in new[] { "many", "many-chunked" })
        {
            using var get = await SendAsync("GET", $"{Account}/{container}/{name}", AdminToken);
            Assert.That(Header(get, "ETag"), Is.EqualTo(md5));
            Assert.That(await get.Content.ReadAsByteArrayAsync(), Is.EqualTo(data), name);
        }
        const int from = 4 * 1024 * 1024 - 3, to = 5 * 1024 * 1024 + 2; // across a write chunk and a read buffer boundary
        using var range = await SendAsync("GET", $"{Account}/{container}/many", AdminToken, null, ("Range", $"bytes={from}-{to}"));
        Assert.That((int)range.StatusCode, Is.EqualTo(206));
        Assert.That(await range.Content.ReadAsByteArrayAsync(), Is.EqualTo(data[from..(to + 1)]));
    }

    [Test]
    public async Task AWrongEtagOnAManyChunkBodyLeavesNoBlob()
    {
        var container = await CreateContainerAsync();
        var data = new byte[6 * 1024 * 1024];
        Random.Shared.NextBytes(data);
        var blobs = Path.Combine(Cloud.DataDirectory, "objects", "blobs");
        var before = Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).ToHashSet();
        using (var put = await SendAsync("PUT", $"{Account}/{container}/bad", AdminToken, data, ("ETag", Md5("something else"))))
            Assert.That((int)put.StatusCode, Is.EqualTo(422));
        Assert.That(Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories), Is.EquivalentTo(before));
        using var get = await SendAsync("GET", $"{Account}/{container}/bad", AdminToken);
        Assert.That((int)get.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task AnUploadCutShortOfItsContentLengthLeavesNothing()
    {
        var container = await CreateContainerAsync();
        var uri = new Uri(Cloud.BaseUrl);
        using (var socket = new System.Net.Sockets.TcpClient())
        {
            await socket.ConnectAsync(uri.Host, uri.Port);
            var stream = socket.GetStream();
            var head = $"PUT {Account}/{container}/cut HTTP/1.1\r\nHost: {uri.Authority}\r\nX-Auth-Token: {AdminToken}\r\nContent-Length: 200000\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(new byte[150_000]);
            await stream.FlushAsync();
        } // the client vanishes 50 000 bytes early

        var temporary = Path.Combine(Cloud.DataDirectory, "objects", "tmp");
        for (var i = 0; i < 50 && Directory.EnumerateFiles(temporary).Any(); i++)
            await Task.Delay(100);
        Assert.That(Directory.EnumerateFiles(temporary), Is.Empty, "the partial upload's temporary file is removed");
        using var get = await SendAsync("GET", $"{Account}/{container}/cut", AdminToken);
        Assert.That((int)get.StatusCode, Is.EqualTo(404));
        using var container2 = await SendAsync("HEAD", $"{Account}/{container}", AdminToken);
        Assert.That(Header(container2, "X-Container-Object-Count"), Is.EqualTo("0"));
    }

    [Test]
    public async Task ChunkedUploadsAreAccepted()
    {
        var container = await CreateContainerAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{Account}/{container}/chunked");
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.TransferEncodingChunked = true;
        request.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("streamed body")));
        using var put = await Cloud.Client.SendAsync(request);
        Assert.That((int)put.StatusCode, Is.EqualTo(201));
        Assert.That(await GetTextAsync($"{Account}/{container}/chunked", AdminToken), Is.EqualTo("streamed body"));
    }

    [Test]
    public async Task NamesThatLookLikePathsStayNamesAndNeverEscapeTheDataDirectory()
    {
        var container = await CreateContainerAsync();
        // Slashes percent-encoded so the HTTP client sends the dots verbatim instead of resolving them.
        var names = new[] { "..%2F..%2F..%2F..%2Fetc%2Fpasswd", "..%2F..%2Fescape", "%2Fleading", "a%2F%2Fb" };
        foreach (var name in names)
        {
            using var put = await SendAsync("PUT", $"{Account}/{container}/{name}", AdminToken, "inside:" + name);
            Assert.That((int)put.StatusCode, Is.EqualTo(201), name);
        }
        var listing = await GetTextAsync($"{Account}/{container}", AdminToken);
        Assert.That(listing, Does.Contain("../../../../etc/passwd\n"));
        Assert.That(listing, Does.Contain("../../escape\n"));
        Assert.That(await GetTextAsync($"{Account}/{container}/..%2F..%2Fescape", AdminToken), Is.EqualTo("inside:..%2F..%2Fescape"));

        // Every file written lives under DATA/objects/blobs in a hashed layout; nothing else appeared.
        var files = Directory.EnumerateFiles(Cloud.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(Path.Combine(Cloud.DataDirectory, "objects", "blobs"), StringComparison.Ordinal))
            .Where(f => f.Contains("escape", StringComparison.Ordinal) || f.Contains("passwd", StringComparison.Ordinal) || f.Contains("leading", StringComparison.Ordinal));
        Assert.That(files, Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(Path.GetDirectoryName(Cloud.DataDirectory)!, "escape")), Is.False);
        foreach (var blob in Directory.EnumerateFiles(Path.Combine(Cloud.DataDirectory, "objects", "blobs"), "*", SearchOption.AllDirectories))
            Assert.That(Path.GetFileName(blob), Does.Match("^[0-9a-f]{32}$"));
    }

    [Test]
    public async Task RangesSingleMultipleAndUnsatisfiable()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "r", "0123456789", ("Content-Type", "text/plain"));
        var path = $"{Account}/{container}/r";

        using (var single = await SendAsync("GET", path, AdminToken, null, ("Range", "bytes=2-5")))
        {
            Assert.That((int)single.StatusCode, Is.EqualTo(206));
            Assert.That(await single.Content.ReadAsStringAsync(), Is.EqualTo("2345"));
            Assert.That(Header(single, "Content-Range"), Is.EqualTo("bytes 2-5/10"));
        }
        using (var suffix = await SendAsync("GET", path, AdminToken, null, ("Range", "bytes=-3")))
            Assert.That(await suffix.Content.ReadAsStringAsync(), Is.EqualTo("789"));
        using (var multi = await SendAsync("GET", path, AdminToken, null, ("Range", "bytes=0-1,8-")))
        {
            Assert.That((int)multi.StatusCode, Is.EqualTo(206));
            Assert.That(ContentTypeOf(multi)!.MediaType, Is.EqualTo("multipart/byteranges"));
            var body = await multi.Content.ReadAsStringAsync();
            Assert.That(body, Does.Contain("Content-Range: bytes 0-1/10\r\n\r\n01\r\n"));
            Assert.That(body, Does.Contain("Content-Range: bytes 8-9/10\r\n\r\n89\r\n"));
            Assert.That(multi.Content.Headers.ContentLength, Is.EqualTo(Encoding.ASCII.GetByteCount(body)));
        }
        using (var outside = await SendAsync("GET", path, AdminToken, null, ("Range", "bytes=20-30")))
        {
            Assert.That((int)outside.StatusCode, Is.EqualTo(416));
            Assert.That(Header(outside, "Content-Range"), Is.EqualTo("bytes */10"));
        }
        using var malformed = await SendAsync("GET", path, AdminToken, null, ("Range", "bytes=5-2"));
        Assert.That((int)malformed.StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task ConditionalRequests()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "c", "conditional");
        var path = $"{Account}/{container}/c";
        var etag = Md5("conditional");
        using var head = await SendAsync("HEAD", path, AdminToken);
        var lastModified = head.Content.Headers.LastModified!.Value;

        async Task<int> Status(params (string, string)[] headers)
        {
            using var response = await SendAsync("GET", path, AdminToken, null, headers);
            return (int)response.StatusCode;
        }
        Assert.That(await Status(("If-Match", $"\"{etag}\"")), Is.EqualTo(200));
        Assert.That(await Status(("If-Match", "\"nope\"")), Is.EqualTo(412));
        Assert.That(await Status(("If-None-Match", $"\"{etag}\"")), Is.EqualTo(304));
        Assert.That(await Status(("If-None-Match", "*")), Is.EqualTo(304));
        Assert.That(await Status(("If-Modified-Since", lastModified.ToString("R"))), Is.EqualTo(304));
        Assert.That(await Status(("If-Modified-Since", lastModified.AddDays(-1).ToString("R"))), Is.EqualTo(200));
        Assert.That(await Status(("If-Unmodified-Since", lastModified.AddDays(-1).ToString("R"))), Is.EqualTo(412));
        Assert.That(await Status(("If-Unmodified-Since", lastModified.ToString("R"))), Is.EqualTo(200));

        using var create = await SendAsync("PUT", path, AdminToken, "again", ("If-None-Match", "*"));
        Assert.That((int)create.StatusCode, Is.EqualTo(412));
    }

    [Test]
    public async Task PostReplacesObjectMetadata()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "m", "x", ("X-Object-Meta-One", "1"), ("X-Object-Meta-Two", "2"));
        using (var post = await SendAsync("POST", $"{Account}/{container}/m", AdminToken, null, ("X-Object-Meta-Three", "3")))
            Assert.That((int)post.StatusCode, Is.EqualTo(202));
        using var head = await SendAsync("HEAD", $"{Account}/{container}/m", AdminToken);
        Assert.That(Header(head, "X-Object-Meta-Three"), Is.EqualTo("3"));
        Assert.That(head.Headers.Contains("X-Object-Meta-One"), Is.False);
        using var missing = await SendAsync("POST", $"{Account}/{container}/none", AdminToken, null, ("X-Object-Meta-A", "1"));
        Assert.That((int)missing.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task CopyAndCopyFromMakeIndependentCopiesWithMetadata()
    {
        var source = await CreateContainerAsync();
        var target = await CreateContainerAsync();
        await PutObjectAsync(source, "orig", "copy me", ("X-Object-Meta-Kind", "original"), ("Content-Type", "text/x-orig"));

        using (var copy = await SendAsync("COPY", $"{Account}/{source}/orig", AdminToken, null, ("Destination", $"{target}/copied"), ("X-Object-Meta-Extra", "yes")))
        {
            Assert.That((int)copy.StatusCode, Is.EqualTo(201));
            Assert.That(Header(copy, "X-Copied-From"), Is.EqualTo($"{source}/orig"));
        }
        using (var copyFrom = await SendAsync("PUT", $"{Account}/{target}/fresh", AdminToken, "", ("X-Copy-From", $"{source}/orig"), ("X-Fresh-Metadata", "true")))
            Assert.That((int)copyFrom.StatusCode, Is.EqualTo(201));

        using (var delete = await SendAsync("DELETE", $"{Account}/{source}/orig", AdminToken))
            Assert.That((int)delete.StatusCode, Is.EqualTo(204));
        using var copied = await SendAsync("GET", $"{Account}/{target}/copied", AdminToken);
        Assert.That(await copied.Content.ReadAsStringAsync(), Is.EqualTo("copy me"));
        Assert.That(Header(copied, "X-Object-Meta-Kind"), Is.EqualTo("original"));
        Assert.That(Header(copied, "X-Object-Meta-Extra"), Is.EqualTo("yes"));
        Assert.That(Header(copied, "Content-Type"), Is.EqualTo("text/x-orig"));
        using var fresh = await SendAsync("GET", $"{Account}/{target}/fresh", AdminToken);
        Assert.That(await fresh.Content.ReadAsStringAsync(), Is.EqualTo("copy me"));
        Assert.That(fresh.Headers.Contains("X-Object-Meta-Kind"), Is.False);

        using var missing = await SendAsync("COPY", $"{Account}/{source}/orig", AdminToken, null, ("Destination", $"{target}/x"));
        Assert.That((int)missing.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task ExpiringObjectsVanishAndTheExpirerFreesThem()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "soon", "bye", ("X-Delete-After", "1"));
        await PutObjectAsync(container, "later", "stay", ("X-Delete-At", (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600).ToString()));
        using (var head = await SendAsync("HEAD", $"{Account}/{container}/later", AdminToken))
            Assert.That(Header(head, "X-Delete-At"), Is.Not.Empty);
        using (var past = await SendAsync("PUT", $"{Account}/{container}/past", AdminToken, "x", ("X-Delete-At", "1000")))
            Assert.That((int)past.StatusCode, Is.EqualTo(400));

        await Task.Delay(2100);
        using (var gone = await SendAsync("GET", $"{Account}/{container}/soon", AdminToken))
            Assert.That((int)gone.StatusCode, Is.EqualTo(404));
        Assert.That(await GetTextAsync($"{Account}/{container}", AdminToken), Is.EqualTo("later\n"));

        await Cloud.Services.GetRequiredService<ObjectExpirer>().RunOnceAsync(CancellationToken.None);
        using var container2 = await SendAsync("HEAD", $"{Account}/{container}", AdminToken);
        Assert.That(Header(container2, "X-Container-Object-Count"), Is.EqualTo("1"));
        Assert.That(Header(container2, "X-Container-Bytes-Used"), Is.EqualTo("4"));
    }

    [Test]
    public async Task ConcurrentPutsAreEachAnsweredAndCountedOnce()
    {
        var container = await CreateContainerAsync();
        var missing = "never-created-" + Guid.NewGuid().ToString("N")[..6];
        var puts = Enumerable.Range(0, 48).Select(async i =>
        {
            // Every eighth PUT targets a missing container: its failure must not undo the others sharing a commit.
            var target = i % 8 == 7 ? missing : container;
            using var response = await SendAsync("PUT", $"{Account}/{target}/o{i}", AdminToken, new string('x', i));
            return (int)response.StatusCode;
        });
        var statuses = await Task.WhenAll(puts);
        Assert.That(statuses.Count(s => s == 201), Is.EqualTo(42));
        Assert.That(statuses.Count(s => s == 404), Is.EqualTo(6));
        using var head = await SendAsync("HEAD", $"{Account}/{container}", AdminToken);
        Assert.That(Header(head, "X-Container-Object-Count"), Is.EqualTo("42"));
        var expectedBytes = Enumerable.Range(0, 48).Where(i => i % 8 != 7).Sum();
        Assert.That(Header(head, "X-Container-Bytes-Used"), Is.EqualTo(expectedBytes.ToString()));
        var listed = (await GetTextAsync($"{Account}/{container}", AdminToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(listed, Has.Length.EqualTo(42));
    }

    [Test]
    public async Task UnicodeNamesRoundTripThroughPathsListingsAndManifests()
    {
        var container = await CreateContainerAsync();
        var name = "dossier/名前 ünïcödé.txt";
        await PutObjectAsync(container, Uri.EscapeDataString(name), "unicode");
        Assert.That(await GetTextAsync($"{Account}/{container}/{Uri.EscapeDataString(name)}", AdminToken), Is.EqualTo("unicode"));
        var listing = System.Text.Json.Nodes.JsonNode.Parse(await GetTextAsync($"{Account}/{container}?format=json", AdminToken))!.AsArray();
        Assert.That(listing[0]!["name"]!.GetValue<string>(), Is.EqualTo(name));
        Assert.That(await GetTextAsync($"{Account}/{container}?prefix={Uri.EscapeDataString("dossier/名")}", AdminToken), Is.EqualTo(name + "\n"));

        using (var manifest = await SendAsync("PUT", $"{Account}/{container}/dlo", AdminToken, "", ("X-Object-Manifest", Uri.EscapeDataString($"{container}/dossier/名"))))
            Assert.That((int)manifest.StatusCode, Is.EqualTo(201));
        using var get = await SendAsync("GET", $"{Account}/{container}/dlo", AdminToken);
        Assert.That(await get.Content.ReadAsStringAsync(), Is.EqualTo("unicode"));
        Assert.That(Uri.UnescapeDataString(Header(get, "X-Object-Manifest")), Is.EqualTo($"{container}/dossier/名"));
    }

    [Test]
    public async Task DeletingAMissingObjectIs404()
    {
        var container = await CreateContainerAsync();
        using var response = await SendAsync("DELETE", $"{Account}/{container}/nothing", AdminToken);
        Assert.That((int)response.StatusCode, Is.EqualTo(404));
    }
}
