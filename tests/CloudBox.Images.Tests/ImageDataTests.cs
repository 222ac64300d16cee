using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using CloudBox.Core.Data;

namespace CloudBox.Images.Tests;

public sealed class ImageDataTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    [Test]
    public async Task Upload_makes_the_image_active_with_its_size_and_digests()
    {
        var image = await CreateRawImageAsync(AdminToken);
        Assert.That(image["status"]!.GetValue<string>(), Is.EqualTo("queued"));
        var id = image["id"]!.GetValue<string>();
        var data = RandomBytes(300_000);

        var response = await PutDataAsync(AdminToken, $"/image/v2/images/{id}/file", data);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var shown = await ShowAsync(AdminToken, id);
        Assert.Multiple(() =>
        {
            Assert.That(shown["status"]!.GetValue<string>(), Is.EqualTo("active"));
            Assert.That(shown["size"]!.GetValue<long>(), Is.EqualTo(data.Length));
            Assert.That(shown["virtual_size"]!.GetValue<long>(), Is.EqualTo(data.Length));
            Assert.That(shown["checksum"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(MD5.HashData(data))));
            Assert.That(shown["os_hash_algo"]!.GetValue<string>(), Is.EqualTo("sha512"));
            Assert.That(shown["os_hash_value"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(SHA512.HashData(data))));
        });
    }

    [Test]
    public async Task Download_returns_the_bytes_whole_and_by_range()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var data = RandomBytes(100_000);
        await PutDataAsync(AdminToken, $"/image/v2/images/{id}/file", data);

        using var whole = new HttpRequestMessage(HttpMethod.Get, $"/image/v2/images/{id}/file");
        whole.Headers.Add("X-Auth-Token", AdminToken);
        var response = await Cloud.Client.SendAsync(whole);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(data));
        Assert.That(response.Content.Headers.NonValidated["Content-MD5"].ToString(), Is.EqualTo(Convert.ToHexStringLower(MD5.HashData(data))));

        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/image/v2/images/{id}/file");
        ranged.Headers.Add("X-Auth-Token", AdminToken);
        ranged.Headers.Range = new RangeHeaderValue(1000, 1999);
        var partial = await Cloud.Client.SendAsync(ranged);
        Assert.That(partial.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await partial.Content.ReadAsByteArrayAsync(), Is.EqualTo(data[1000..2000]));
    }

    [Test]
    public async Task A_queued_image_has_no_data_to_download()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}/file", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task A_second_upload_is_refused_with_409()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        await PutDataAsync(AdminToken, $"/image/v2/images/{id}/file", RandomBytes(1000));
        var again = await PutDataAsync(AdminToken, $"/image/v2/images/{id}/file", RandomBytes(1000));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task Upload_needs_disk_and_container_formats()
    {
        var id = (await CreateImageAsync(AdminToken, new() { ["name"] = Unique("bare") }))["id"]!.GetValue<string>();
        var response = await PutDataAsync(AdminToken, $"/image/v2/images/{id}/file", RandomBytes(10));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ShowAsync(AdminToken, id))["status"]!.GetValue<string>(), Is.EqualTo("queued"));
    }

    [Test]
    public async Task An_image_over_the_size_cap_is_refused_and_the_image_stays_queued()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        // Chunked, so the server finds out while reading (a declared Content-Length over the cap is refused before reading).
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/image/v2/images/{id}/file")
        {
            Content = new StreamContent(new MemoryStream(RandomBytes((int)MaxImageBytes + 1))),
        };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await Cloud.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That((await ShowAsync(AdminToken, id))["status"]!.GetValue<string>(), Is.EqualTo("queued"));
        Assert.That(Directory.EnumerateFiles(Path.Combine(Cloud.DataDirectory, "images", "tmp")), Is.Empty);
    }

    [Test]
    public async Task A_qcow2_upload_reports_its_virtual_size_and_a_disguised_one_is_refused()
    {
        var header = new byte[512];
        header[0] = 0x51; header[1] = 0x46; header[2] = 0x49; header[3] = 0xFB;
        header[7] = 3; // version 3
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(24), 10UL << 30);
        var qcow = (await CreateImageAsync(AdminToken, new() { ["name"] = Unique("q"), ["disk_format"] = "qcow2", ["container_format"] = "bare" }))["id"]!.GetValue<string>();
        Assert.That((await PutDataAsync(AdminToken, $"/image/v2/images/{qcow}/file", header)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await ShowAsync(AdminToken, qcow))["virtual_size"]!.GetValue<long>(), Is.EqualTo(10L << 30));

        var disguised = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var refused = await PutDataAsync(AdminToken, $"/image/v2/images/{disguised}/file", header);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ShowAsync(AdminToken, disguised))["status"]!.GetValue<string>(), Is.EqualTo("queued"));
    }

    [Test]
    public async Task A_protected_image_cannot_be_deleted_and_a_deleted_one_is_gone_with_its_data()
    {
        var id = (await CreateImageAsync(AdminToken, new() { ["name"] = Unique("p"), ["disk_format"] = "raw", ["container_format"] = "bare", ["protected"] = true }))["id"]!.GetValue<string>();
        await PutDataAsync(AdminToken, $"/image/v2/images/{id}/file", RandomBytes(5000));
        var (refused, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/image/v2/images/{id}", AdminToken);
        Assert.That(refused, Is.EqualTo(HttpStatusCode.Forbidden));

        await PatchAsync(AdminToken, id, """[{"op": "replace", "path": "/protected", "value": false}]""");
        var (deleted, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/image/v2/images/{id}", AdminToken);
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.NoContent));
        var (gone, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", AdminToken);
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(File.Exists(Path.Combine(Cloud.DataDirectory, "images", "files", id[..2], id)), Is.False);
    }

    [Test]
    public async Task Deactivated_images_withhold_data_from_non_admins_until_reactivated()
    {
        var image = await CreateImageAsync(AdminToken, new() { ["name"] = Unique("d"), ["disk_format"] = "raw", ["container_format"] = "bare", ["visibility"] = "public" });
        var id = image["id"]!.GetValue<string>();
        await PutDataAsync(AdminToken, $"/image/v2/images/{id}/file", RandomBytes(100));
        var project = Unique("proj");
        var user = Unique("user");
        await Cloud.CreateUserWithRoleAsync(AdminToken, project, user, "pw", "member");
        var memberToken = await Cloud.TokenAsync(user, "pw", project);

        var (deactivated, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/actions/deactivate", AdminToken);
        Assert.That(deactivated, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await ShowAsync(AdminToken, id))["status"]!.GetValue<string>(), Is.EqualTo("deactivated"));
        var (withheld, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}/file", memberToken);
        Assert.That(withheld, Is.EqualTo(HttpStatusCode.Forbidden));
        var (memberCannotReactivate, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/actions/reactivate", memberToken);
        Assert.That(memberCannotReactivate, Is.EqualTo(HttpStatusCode.Forbidden));

        var (reactivated, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/actions/reactivate", AdminToken);
        Assert.That(reactivated, Is.EqualTo(HttpStatusCode.NoContent));
        var (served, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}/file", memberToken);
        Assert.That(served, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_sparse_raw_upload_is_stored_with_its_holes_and_reads_back_identical()
    {
        var id = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        // 3 MiB and a bit: zeros but for three runs, one of them the unaligned tail.
        var data = new byte[(3 << 20) + 100];
        RandomNumberGenerator.Fill(data.AsSpan(10, 10));
        RandomNumberGenerator.Fill(data.AsSpan((1 << 20) + 4100, 3000));
        RandomNumberGenerator.Fill(data.AsSpan(data.Length - 50));

        var response = await PutDataAsync(AdminToken, $"/image/v2/images/{id}/file", data);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var stored = Directory.EnumerateFiles(Path.Combine(Cloud.DataDirectory, "images", "files"), id, SearchOption.AllDirectories).Single();
        Assert.That(new FileInfo(stored).Length, Is.EqualTo(data.Length));
        Assert.That(AllocatedBytes(stored), Is.LessThanOrEqualTo(64 * 1024), "only the blocks holding data are allocated");
        using var download = new HttpRequestMessage(HttpMethod.Get, $"/image/v2/images/{id}/file");
        download.Headers.Add("X-Auth-Token", AdminToken);
        var served = await Cloud.Client.SendAsync(download);
        Assert.That(await served.Content.ReadAsByteArrayAsync(), Is.EqualTo(data));
        Assert.That((await ShowAsync(AdminToken, id))["checksum"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(MD5.HashData(data))));
    }

    /// <summary>The bytes a file occupies on disk (stat's blocks, 512 bytes each).</summary>
    private static long AllocatedBytes(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%b", path]) { RedirectStandardOutput = true })!;
        var blocks = long.Parse(stat.StandardOutput.ReadToEnd().Trim(), System.Globalization.CultureInfo.InvariantCulture);
        stat.WaitForExit();
        return blocks * 512;
    }
}
