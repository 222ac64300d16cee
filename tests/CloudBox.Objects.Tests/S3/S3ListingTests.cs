using CloudBox.Core.Api.Aws;
using System.Net;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.S3;

public class S3ListingTests(DatabaseEngine engine) : S3Fixture(engine)
{
    private static readonly string[] Keys = ["a.txt", "docs/1.txt", "docs/2.txt", "docs/sub/3.txt", "logs/x", "plus+sign", "z.txt"];

    [Test]
    public async Task ListV2RollsUpCommonPrefixesAndPagesWithContinuationTokens()
    {
        var (s3, bucket) = await FilledBucketAsync();

        var top = await s3.SendAsync("GET", "/" + bucket, query: "list-type=2&delimiter=%2F");
        Assert.That(top.All("Key"), Is.EqualTo(new[] { "a.txt", "plus+sign", "z.txt" }));
        Assert.That(top.All("Prefix").Where(p => p.Length > 0), Is.EqualTo(new[] { "docs/", "logs/" }));

        var docs = await s3.SendAsync("GET", "/" + bucket, query: "list-type=2&prefix=docs%2F&delimiter=%2F");
        Assert.That(docs.All("Key"), Is.EqualTo(new[] { "docs/1.txt", "docs/2.txt" }));
        Assert.That(docs.All("Prefix"), Does.Contain("docs/sub/"));

        // Two at a time, common prefixes counting as entries, no duplicates across pages.
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var query = "list-type=2&delimiter=%2F&max-keys=2" + (token is null ? "" : "&continuation-token=" + Uri.EscapeDataString(token));
            var page = await s3.SendAsync("GET", "/" + bucket, query: query);
            Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
            seen.AddRange(page.All("Key"));
            seen.AddRange(page.Xml.Descendants().Where(e => e.Name.LocalName == "CommonPrefixes").Select(e => e.Value));
            token = page.Xml.Root!.Elements().FirstOrDefault(e => e.Name.LocalName == "NextContinuationToken")?.Value;
            pages++;
        }
        while (token is not null && pages < 10);
        Assert.That(seen, Is.EquivalentTo(new[] { "a.txt", "docs/", "logs/", "plus+sign", "z.txt" }));
        Assert.That(pages, Is.EqualTo(3));

        var after = await s3.SendAsync("GET", "/" + bucket, query: "list-type=2&start-after=logs%2Fx");
        Assert.That(after.All("Key"), Is.EqualTo(new[] { "plus+sign", "z.txt" }));
    }

    [Test]
    public async Task ListV1PagesWithMarkersAndUrlEncodesOnRequest()
    {
        var (s3, bucket) = await FilledBucketAsync();
        var first = await s3.SendAsync("GET", "/" + bucket, query: "max-keys=3");
        Assert.That(first.All("Key"), Is.EqualTo(new[] { "a.txt", "docs/1.txt", "docs/2.txt" }));
        Assert.That(first.Xml.Root!.Elements().Single(e => e.Name.LocalName == "IsTruncated").Value, Is.EqualTo("true"));
        var rest = await s3.SendAsync("GET", "/" + bucket, query: "marker=docs%2F2.txt");
        Assert.That(rest.All("Key"), Is.EqualTo(Keys[3..]));

        var grouped = await s3.SendAsync("GET", "/" + bucket, query: "delimiter=%2F&max-keys=2");
        var next = grouped.Xml.Root!.Elements().Single(e => e.Name.LocalName == "NextMarker").Value;
        Assert.That(next, Is.EqualTo("docs/"));
        var afterGroup = await s3.SendAsync("GET", "/" + bucket, query: "delimiter=%2F&marker=" + Uri.EscapeDataString(next));
        Assert.That(afterGroup.All("Key"), Is.EqualTo(new[] { "plus+sign", "z.txt" }), "the rolled-up prefix is not listed again");

        var encoded = await s3.SendAsync("GET", "/" + bucket, query: "encoding-type=url&prefix=plus");
        Assert.That(encoded.All("Key"), Is.EqualTo(new[] { "plus%2Bsign" }));
    }

    private async Task<(S3TestClient S3, string Bucket)> FilledBucketAsync()
    {
        var account = await NewAccountAsync();
        var bucket = Bucket();
        await account.S3.SendAsync("PUT", "/" + bucket);
        foreach (var key in Keys)
            Assert.That((await account.S3.SendAsync("PUT", $"/{bucket}/{SigV4Encoding.Encode(key, keepSlash: true)}", "x"u8.ToArray())).Status, Is.EqualTo(HttpStatusCode.OK));
        return (account.S3, bucket);
    }
}
