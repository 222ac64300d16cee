using System.Net;
using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.S3;

public class S3ObjectTests(DatabaseEngine engine) : S3Fixture(engine)
{
    [Test]
    public async Task AnObjectComesBackWithItsBytesTypeEtagAndMetadata()
    {
        var (s3, bucket) = await BucketAsync();
        var data = RandomNumberGenerator.GetBytes(1 << 20); // far above the API's 112 KiB body limit
        var put = await s3.SendAsync("PUT", $"/{bucket}/dir/photo%20one.bin", data, headers: new Dictionary<string, string>
        {
            ["Content-Type"] = "image/x-test",
            ["x-amz-meta-camera"] = "pinhole",
            ["Cache-Control"] = "max-age=60",
        });
        var md5 = Convert.ToHexStringLower(MD5.HashData(data));
        Assert.That((put.Status, put.Header("ETag")), Is.EqualTo((HttpStatusCode.OK, $"\"{md5}\"")));

        var get = await s3.SendAsync("GET", $"/{bucket}/dir/photo%20one.bin");
        Assert.Multiple(() =>
        {
            Assert.That(get.Body, Is.EqualTo(data));
            Assert.That(get.Header("Content-Type"), Is.EqualTo("image/x-test"));
            Assert.That(get.Header("ETag"), Is.EqualTo($"\"{md5}\""));
            Assert.That(get.Header("x-amz-meta-camera"), Is.EqualTo("pinhole"));
            Assert.That(get.Header("Cache-Control"), Is.EqualTo("max-age=60"));
            Assert.That(get.Header("Last-Modified"), Is.Not.Null);
        });
        var head = await s3.SendAsync("HEAD", $"/{bucket}/dir/photo%20one.bin");
        Assert.That((head.Status, head.Body.Length, head.Header("Content-Length")), Is.EqualTo((HttpStatusCode.OK, 0, data.Length.ToString())));

        Assert.That((await s3.SendAsync("DELETE", $"/{bucket}/dir/photo%20one.bin")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        var gone = await s3.SendAsync("GET", $"/{bucket}/dir/photo%20one.bin");
        Assert.That((gone.Status, gone.ErrorCode), Is.EqualTo((HttpStatusCode.NotFound, "NoSuchKey")));
        Assert.That((await s3.SendAsync("DELETE", $"/{bucket}/dir/photo%20one.bin")).Status, Is.EqualTo(HttpStatusCode.NoContent), "deleting twice is fine");
    }

    [Test]
    public async Task KeysAreNamesNotPaths()
    {
        var (s3, bucket) = await BucketAsync();
        // A key that looks like a way out of the data directory is only a name: blobs are stored by id.
        Assert.That((await s3.SendAsync("PUT", $"/{bucket}/..%2F..%2Fetc%2Fpasswd", "inside"u8.ToArray())).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/..%2F..%2Fetc%2Fpasswd")).Text, Is.EqualTo("inside"));
        Assert.That(File.Exists(Path.Combine(Cloud.DataDirectory, "etc", "passwd")), Is.False);
        var tooLong = await s3.SendAsync("PUT", $"/{bucket}/{new string('k', 1025)}", "x"u8.ToArray());
        Assert.That((tooLong.Status, tooLong.ErrorCode), Is.EqualTo((HttpStatusCode.BadRequest, "KeyTooLongError")));
    }

    [Test]
    public async Task RangesAndConditionsAreHonoured()
    {
        var (s3, bucket) = await BucketAsync();
        var put = await s3.SendAsync("PUT", $"/{bucket}/abc", "0123456789"u8.ToArray());
        var etag = put.Header("ETag")!;

        var range = await s3.SendAsync("GET", $"/{bucket}/abc", headers: new Dictionary<string, string> { ["Range"] = "bytes=2-4" });
        Assert.That((range.Status, range.Text, range.Header("Content-Range")), Is.EqualTo((HttpStatusCode.PartialContent, "234", "bytes 2-4/10")));
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/abc", headers: new Dictionary<string, string> { ["Range"] = "bytes=-3" })).Text, Is.EqualTo("789"));
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/abc", headers: new Dictionary<string, string> { ["Range"] = "bytes=20-" })).ErrorCode, Is.EqualTo("InvalidRange"));

        Assert.That((await s3.SendAsync("GET", $"/{bucket}/abc", headers: new Dictionary<string, string> { ["If-None-Match"] = etag })).Status, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/abc", headers: new Dictionary<string, string> { ["If-Match"] = "\"other\"" })).Status, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/abc", headers: new Dictionary<string, string> { ["If-Match"] = etag })).Status, Is.EqualTo(HttpStatusCode.OK));
        var future = DateTimeOffset.UtcNow.AddHours(1).ToString("r");
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/abc", headers: new Dictionary<string, string> { ["If-Modified-Since"] = future })).Status, Is.EqualTo(HttpStatusCode.NotModified));
        var past = DateTimeOffset.UtcNow.AddHours(-1).ToString("r");
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/abc", headers: new Dictionary<string, string> { ["If-Unmodified-Since"] = past })).Status, Is.EqualTo(HttpStatusCode.PreconditionFailed));
    }

    [Test]
    public async Task ABodyThatDoesNotMatchItsChecksumIsNeverStored()
    {
        var (s3, bucket) = await BucketAsync();
        var wrongMd5 = Convert.ToBase64String(MD5.HashData("something else"u8));
        var badMd5 = await s3.SendAsync("PUT", $"/{bucket}/md5", "payload"u8.ToArray(), headers: new Dictionary<string, string> { ["Content-MD5"] = wrongMd5 });
        Assert.That((badMd5.Status, badMd5.ErrorCode), Is.EqualTo((HttpStatusCode.BadRequest, "BadDigest")));
        Assert.That((await s3.SendAsync("HEAD", $"/{bucket}/md5")).Status, Is.EqualTo(HttpStatusCode.NotFound));

        var rightMd5 = Convert.ToBase64String(MD5.HashData("payload"u8));
        Assert.That((await s3.SendAsync("PUT", $"/{bucket}/md5", "payload"u8.ToArray(), headers: new Dictionary<string, string> { ["Content-MD5"] = rightMd5 })).Status,
            Is.EqualTo(HttpStatusCode.OK));

        var lie = Convert.ToHexStringLower(SHA256.HashData("what was signed"u8));
        var badSha = await s3.SendAsync("PUT", $"/{bucket}/sha", "what was sent"u8.ToArray(), payloadHash: lie);
        Assert.That((badSha.Status, badSha.ErrorCode), Is.EqualTo((HttpStatusCode.BadRequest, "XAmzContentSHA256Mismatch")));
        Assert.That((await s3.SendAsync("HEAD", $"/{bucket}/sha")).Status, Is.EqualTo(HttpStatusCode.NotFound));

        var unsigned = await s3.SendAsync("PUT", $"/{bucket}/unsigned", "free"u8.ToArray(), payloadHash: "UNSIGNED-PAYLOAD");
        Assert.That(unsigned.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await BlobRowsAsync(), Is.EqualTo(2), "refused bodies leave no blob behind");
        Assert.That(await BlobFilesAsync(), Is.EqualTo(await BlobRowsAsync("data IS NULL")), "every blob file is named by a row");
    }

    [Test]
    public async Task ChunkedSignedUploadsAreVerifiedChunkByChunk()
    {
        var (s3, bucket) = await BucketAsync();
        var data = RandomNumberGenerator.GetBytes(200_000);
        var put = await s3.PutChunkedAsync($"/{bucket}/chunked", data, 65536);
        Assert.That(put.Status, Is.EqualTo(HttpStatusCode.OK), put.Text);
        var get = await s3.SendAsync("GET", $"/{bucket}/chunked");
        Assert.That(get.Body, Is.EqualTo(data));
        Assert.That(get.Header("Content-Encoding"), Is.Null, "aws-chunked is the transfer, not the object");

        var forged = await s3.PutChunkedAsync($"/{bucket}/forged", data, 65536, corruptChunk: 1);
        Assert.That((forged.Status, forged.ErrorCode), Is.EqualTo((HttpStatusCode.Forbidden, "SignatureDoesNotMatch")));
        Assert.That((await s3.SendAsync("HEAD", $"/{bucket}/forged")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AdditionalChecksumsAreVerifiedInHeadersAndTrailers()
    {
        var (s3, bucket) = await BucketAsync();
        var data = "hello\n"u8.ToArray();
        var good = await s3.SendAsync("PUT", $"/{bucket}/crc", data, headers: new Dictionary<string, string> { ["x-amz-checksum-crc32"] = "NjowIA==" });
        Assert.That((good.Status, good.Header("x-amz-checksum-crc32")), Is.EqualTo((HttpStatusCode.OK, "NjowIA==")));
        var bad = await s3.SendAsync("PUT", $"/{bucket}/crc-bad", data, headers: new Dictionary<string, string> { ["x-amz-checksum-crc32"] = "AAAAAA==" });
        Assert.That((bad.Status, bad.ErrorCode), Is.EqualTo((HttpStatusCode.BadRequest, "BadDigest")));
        Assert.That((await s3.SendAsync("HEAD", $"/{bucket}/crc-bad")).Status, Is.EqualTo(HttpStatusCode.NotFound));

        var trailed = await s3.PutWithChecksumTrailerAsync($"/{bucket}/trailer", data, "x-amz-checksum-crc32", "NjowIA==");
        Assert.That(trailed.Status, Is.EqualTo(HttpStatusCode.OK), trailed.Text);
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/trailer")).Body, Is.EqualTo(data));
        var wrongTrailer = await s3.PutWithChecksumTrailerAsync($"/{bucket}/trailer-bad", data, "x-amz-checksum-crc32", "AAAAAA==");
        Assert.That(wrongTrailer.ErrorCode, Is.EqualTo("BadDigest"));
        Assert.That((await s3.SendAsync("HEAD", $"/{bucket}/trailer-bad")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task CopyKeepsOrReplacesMetadata()
    {
        var (s3, bucket) = await BucketAsync();
        await s3.SendAsync("PUT", $"/{bucket}/src", "copied bytes"u8.ToArray(), headers: new Dictionary<string, string>
        {
            ["Content-Type"] = "text/x-source", ["x-amz-meta-origin"] = "source",
        });

        var copy = await s3.SendAsync("PUT", $"/{bucket}/dst", headers: new Dictionary<string, string> { ["x-amz-copy-source"] = $"/{bucket}/src" });
        Assert.That(copy.All("ETag").Single(), Is.EqualTo($"\"{Convert.ToHexStringLower(MD5.HashData("copied bytes"u8))}\""));
        var copied = await s3.SendAsync("GET", $"/{bucket}/dst");
        Assert.That((copied.Text, copied.Header("Content-Type"), copied.Header("x-amz-meta-origin")), Is.EqualTo(("copied bytes", "text/x-source", "source")));

        await s3.SendAsync("PUT", $"/{bucket}/dst", headers: new Dictionary<string, string>
        {
            ["x-amz-copy-source"] = $"{bucket}/src", ["x-amz-metadata-directive"] = "REPLACE", ["x-amz-meta-origin"] = "replaced", ["Content-Type"] = "text/x-new",
        });
        var replaced = await s3.SendAsync("HEAD", $"/{bucket}/dst");
        Assert.That((replaced.Header("Content-Type"), replaced.Header("x-amz-meta-origin")), Is.EqualTo(("text/x-new", "replaced")));

        var onto = await s3.SendAsync("PUT", $"/{bucket}/src", headers: new Dictionary<string, string> { ["x-amz-copy-source"] = $"/{bucket}/src" });
        Assert.That(onto.ErrorCode, Is.EqualTo("InvalidRequest"), "copying onto itself changes nothing");
        var missing = await s3.SendAsync("PUT", $"/{bucket}/x", headers: new Dictionary<string, string> { ["x-amz-copy-source"] = $"/{bucket}/nope" });
        Assert.That(missing.ErrorCode, Is.EqualTo("NoSuchKey"));
    }

    [Test]
    public async Task DeleteObjectsRemovesManyKeysAtOnce()
    {
        var (s3, bucket) = await BucketAsync();
        foreach (var key in new[] { "a", "b", "c" })
            await s3.SendAsync("PUT", $"/{bucket}/{key}", "x"u8.ToArray());
        var body = Encoding.UTF8.GetBytes("<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object><Object><Key>never</Key></Object></Delete>");
        var response = await s3.SendAsync("POST", "/" + bucket, body, query: "delete",
            headers: new Dictionary<string, string> { ["Content-MD5"] = Convert.ToBase64String(MD5.HashData(body)) });
        Assert.That(response.All("Key"), Is.EquivalentTo(new[] { "a", "b", "never" }));
        var listing = await s3.SendAsync("GET", "/" + bucket, query: "list-type=2");
        Assert.That(listing.All("Key"), Is.EqualTo(new[] { "c" }));

        var malformed = await s3.SendAsync("POST", "/" + bucket, "<nope"u8.ToArray(), query: "delete");
        Assert.That(malformed.ErrorCode, Is.EqualTo("MalformedXML"));
    }

    private async Task<(S3TestClient S3, string Bucket)> BucketAsync()
    {
        var account = await NewAccountAsync();
        var bucket = Bucket();
        Assert.That((await account.S3.SendAsync("PUT", "/" + bucket)).Status, Is.EqualTo(HttpStatusCode.OK));
        return (account.S3, bucket);
    }

    private Task<int> BlobFilesAsync() =>
        Task.FromResult(Directory.EnumerateFiles(Path.Combine(Cloud.DataDirectory, "objects", "blobs"), "*", SearchOption.AllDirectories).Count());

    private async Task<int> BlobRowsAsync(string where = "1 = 1")
    {
        var database = (Database)Cloud.Services.GetService(typeof(Database))!;
        await using var connection = await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM objects_blobs WHERE " + where;
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }
}
