using System.Net;
using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.S3;

/// <summary>DeleteObjects takes at most 1000 keys, as S3 does; a longer list is MalformedXML and deletes nothing.</summary>
public sealed class S3BoundTests(DatabaseEngine engine) : S3Fixture(engine)
{
    [Test]
    public async Task Delete_objects_with_more_than_a_thousand_keys_is_refused()
    {
        var account = await NewAccountAsync();
        var bucket = Bucket();
        Assert.That((await account.S3.SendAsync("PUT", "/" + bucket)).Status, Is.EqualTo(HttpStatusCode.OK));
        await account.S3.SendAsync("PUT", $"/{bucket}/keep", "x"u8.ToArray());
        var xml = new StringBuilder("<Delete><Object><Key>keep</Key></Object>");
        for (var i = 0; i < 1000; i++)
            xml.Append("<Object><Key>k").Append(i).Append("</Key></Object>");
        var body = Encoding.UTF8.GetBytes(xml.Append("</Delete>").ToString());
        var response = await account.S3.SendAsync("POST", "/" + bucket, body, query: "delete",
            headers: new Dictionary<string, string> { ["Content-MD5"] = Convert.ToBase64String(MD5.HashData(body)) });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrorCode, Is.EqualTo("MalformedXML"));
        Assert.That((await account.S3.SendAsync("HEAD", $"/{bucket}/keep")).Status, Is.EqualTo(HttpStatusCode.OK));
    }
}
