using CloudBox.Objects.S3;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudBox.Objects.Tests.S3;

/// <summary>How a request line names a bucket and key: path-style always, virtual-hosted when the endpoint has a host name.</summary>
public class S3RequestTests
{
    [Test]
    public void PathStyleDecodesTheKeyButKeepsPlusSigns()
    {
        var request = S3Request.Parse(Request("/photos/2024/a%20b+c.jpg?list-type=2&prefix=x%2Fy", "127.0.0.1:8081"), null);
        Assert.Multiple(() =>
        {
            Assert.That(request.Bucket, Is.EqualTo("photos"));
            Assert.That(request.Key, Is.EqualTo("2024/a b+c.jpg"));
            Assert.That(request.Get("prefix"), Is.EqualTo("x/y"));
            Assert.That(request.HostBucket, Is.Null);
        });
        Assert.That(S3Request.Parse(Request("/photos/", "127.0.0.1:8081"), null).Key, Is.Empty);
        Assert.That(S3Request.Parse(Request("/", "127.0.0.1:8081"), null).Bucket, Is.Empty);
    }

    [Test]
    public void VirtualHostedStyleTakesTheBucketFromTheHost()
    {
        var hosted = S3Request.Parse(Request("/2024/a.jpg", "photos.s3.example.com:8081"), ".s3.example.com");
        Assert.That((hosted.Bucket, hosted.Key, hosted.HostBucket), Is.EqualTo(("photos", "2024/a.jpg", "photos")));
        var pathStyle = S3Request.Parse(Request("/photos/a.jpg", "s3.example.com:8081"), ".s3.example.com");
        Assert.That((pathStyle.Bucket, pathStyle.Key), Is.EqualTo(("photos", "a.jpg")));
    }

    private static HttpRequest Request(string target, string host)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        context.Request.Headers.Host = host;
        return context.Request;
    }
}
