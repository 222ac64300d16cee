using System.Net;
using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.S3;

public class S3MultipartTests(DatabaseEngine engine) : S3Fixture(engine)
{
    private const int FiveMiB = 5 * 1024 * 1024;

    [Test]
    public async Task PartsBecomeOneObjectWithAMultipartEtag()
    {
        var (s3, bucket) = await BucketAsync();
        var created = await s3.SendAsync("POST", $"/{bucket}/big.bin", query: "uploads",
            headers: new Dictionary<string, string> { ["Content-Type"] = "application/x-big", ["x-amz-meta-kind"] = "multipart" });
        var uploadId = created.All("UploadId").Single();
        Assert.That((await s3.SendAsync("GET", "/" + bucket, query: "uploads")).All("UploadId"), Does.Contain(uploadId));

        var part1 = RandomNumberGenerator.GetBytes(FiveMiB);
        var part2 = RandomNumberGenerator.GetBytes(1234);
        var etag1 = (await s3.SendAsync("PUT", $"/{bucket}/big.bin", part1, query: $"partNumber=1&uploadId={uploadId}")).Header("ETag")!;
        var etag2 = (await s3.SendAsync("PUT", $"/{bucket}/big.bin", part2, query: $"partNumber=2&uploadId={uploadId}")).Header("ETag")!;
        var parts = await s3.SendAsync("GET", $"/{bucket}/big.bin", query: $"uploadId={uploadId}");
        Assert.That(parts.All("PartNumber"), Is.EqualTo(new[] { "1", "2" }));
        Assert.That(parts.All("Size"), Is.EqualTo(new[] { FiveMiB.ToString(), "1234" }));

        var completion = Encoding.UTF8.GetBytes(
            $"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag1}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{etag2}</ETag></Part></CompleteMultipartUpload>");
        var completed = await s3.SendAsync("POST", $"/{bucket}/big.bin", completion, query: $"uploadId={uploadId}");
        var expectedEtag = Convert.ToHexStringLower(MD5.HashData([.. MD5.HashData(part1), .. MD5.HashData(part2)])) + "-2";
        Assert.That(completed.All("ETag").Single(), Is.EqualTo($"\"{expectedEtag}\""));

        var get = await s3.SendAsync("GET", $"/{bucket}/big.bin");
        Assert.That(get.Body, Is.EqualTo(part1.Concat(part2).ToArray()));
        Assert.That((get.Header("ETag"), get.Header("Content-Type"), get.Header("x-amz-meta-kind")), Is.EqualTo(($"\"{expectedEtag}\"", "application/x-big", "multipart")));
        var acrossParts = await s3.SendAsync("GET", $"/{bucket}/big.bin", headers: new Dictionary<string, string> { ["Range"] = $"bytes={FiveMiB - 2}-{FiveMiB + 1}" });
        Assert.That(acrossParts.Body, Is.EqualTo(part1[^2..].Concat(part2[..2]).ToArray()));
        Assert.That((await s3.SendAsync("GET", "/" + bucket, query: "uploads")).All("UploadId"), Does.Not.Contain(uploadId));
    }

    [Test]
    public async Task CompletionChecksOrderEtagsAndPartSizes()
    {
        var (s3, bucket) = await BucketAsync();
        var uploadId = (await s3.SendAsync("POST", $"/{bucket}/k", query: "uploads")).All("UploadId").Single();
        var etag1 = (await s3.SendAsync("PUT", $"/{bucket}/k", "small"u8.ToArray(), query: $"partNumber=1&uploadId={uploadId}")).Header("ETag")!;
        var etag2 = (await s3.SendAsync("PUT", $"/{bucket}/k", "tail"u8.ToArray(), query: $"partNumber=2&uploadId={uploadId}")).Header("ETag")!;

        async Task<string?> CompleteAsync(string parts) =>
            (await s3.SendAsync("POST", $"/{bucket}/k", Encoding.UTF8.GetBytes($"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>"), query: $"uploadId={uploadId}")).ErrorCode;
        static string Part(int n, string etag) => $"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>";

        Assert.That(await CompleteAsync(Part(2, etag2) + Part(1, etag1)), Is.EqualTo("InvalidPartOrder"));
        Assert.That(await CompleteAsync(Part(1, "\"0000\"")), Is.EqualTo("InvalidPart"));
        Assert.That(await CompleteAsync(Part(1, etag1) + Part(2, etag2)), Is.EqualTo("EntityTooSmall"));
        Assert.That(await CompleteAsync(Part(1, etag1)), Is.Null, "one small last part is fine");
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/k")).Text, Is.EqualTo("small"));
        Assert.That((await s3.SendAsync("PUT", $"/{bucket}/k", "x"u8.ToArray(), query: $"partNumber=3&uploadId={uploadId}")).ErrorCode, Is.EqualTo("NoSuchUpload"));
        Assert.That((await s3.SendAsync("PUT", $"/{bucket}/k", "x"u8.ToArray(), query: $"partNumber=0&uploadId={uploadId}")).ErrorCode, Is.EqualTo("InvalidArgument"));
    }

    [Test]
    public async Task PartsCanBeCopiedFromRangesOfExistingObjects()
    {
        var (s3, bucket) = await BucketAsync();
        var source = RandomNumberGenerator.GetBytes(FiveMiB + 100);
        await s3.SendAsync("PUT", $"/{bucket}/source", source);
        var uploadId = (await s3.SendAsync("POST", $"/{bucket}/assembled", query: "uploads")).All("UploadId").Single();

        var copySource = new Dictionary<string, string> { ["x-amz-copy-source"] = $"/{bucket}/source", ["x-amz-copy-source-range"] = $"bytes=0-{FiveMiB - 1}" };
        var part1 = await s3.SendAsync("PUT", $"/{bucket}/assembled", query: $"partNumber=1&uploadId={uploadId}", headers: copySource);
        Assert.That(part1.All("ETag").Single(), Is.EqualTo($"\"{Convert.ToHexStringLower(MD5.HashData(source[..FiveMiB]))}\""));
        copySource["x-amz-copy-source-range"] = $"bytes={FiveMiB}-{FiveMiB + 99}";
        var part2 = await s3.SendAsync("PUT", $"/{bucket}/assembled", query: $"partNumber=2&uploadId={uploadId}", headers: copySource);

        var completion = Encoding.UTF8.GetBytes(
            $"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part1.All("ETag").Single()}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{part2.All("ETag").Single()}</ETag></Part></CompleteMultipartUpload>");
        Assert.That((await s3.SendAsync("POST", $"/{bucket}/assembled", completion, query: $"uploadId={uploadId}")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/assembled")).Body, Is.EqualTo(source));
    }

    [Test]
    public async Task AnAbortedUploadLeavesNothing()
    {
        var (s3, bucket) = await BucketAsync();
        var uploadId = (await s3.SendAsync("POST", $"/{bucket}/gone", query: "uploads")).All("UploadId").Single();
        await s3.SendAsync("PUT", $"/{bucket}/gone", "data"u8.ToArray(), query: $"partNumber=1&uploadId={uploadId}");
        Assert.That((await s3.SendAsync("DELETE", $"/{bucket}/gone", query: $"uploadId={uploadId}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await s3.SendAsync("GET", $"/{bucket}/gone", query: $"uploadId={uploadId}")).ErrorCode, Is.EqualTo("NoSuchUpload"));
        Assert.That((await s3.SendAsync("HEAD", $"/{bucket}/gone")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await s3.SendAsync("GET", "/" + bucket, query: "uploads")).All("UploadId"), Is.Empty);
    }

    [Test]
    public async Task DeletingABucketDropsItsUnfinishedUploads()
    {
        var (s3, bucket) = await BucketAsync();
        var uploadId = (await s3.SendAsync("POST", $"/{bucket}/pending", query: "uploads")).All("UploadId").Single();
        await s3.SendAsync("PUT", $"/{bucket}/pending", "part"u8.ToArray(), query: $"partNumber=1&uploadId={uploadId}");
        Assert.That((await s3.SendAsync("DELETE", "/" + bucket)).Status, Is.EqualTo(HttpStatusCode.NoContent));

        await s3.SendAsync("PUT", "/" + bucket);
        Assert.That((await s3.SendAsync("GET", "/" + bucket, query: "uploads")).All("UploadId"), Is.Empty, "a new bucket of the same name starts clean");
        Assert.That((await s3.SendAsync("PUT", $"/{bucket}/pending", "x"u8.ToArray(), query: $"partNumber=2&uploadId={uploadId}")).ErrorCode, Is.EqualTo("NoSuchUpload"));
    }

    private async Task<(S3TestClient S3, string Bucket)> BucketAsync()
    {
        var account = await NewAccountAsync();
        var bucket = Bucket();
        await account.S3.SendAsync("PUT", "/" + bucket);
        return (account.S3, bucket);
    }
}
