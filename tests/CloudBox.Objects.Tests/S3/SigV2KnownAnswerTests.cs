using CloudBox.Core.Api.Aws;
using CloudBox.Objects.S3.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudBox.Objects.Tests.S3;

/// <summary>The legacy signature (what awscli 1.x presigns with) against the worked examples of AWS's signature version 2 documentation.</summary>
public class SigV2KnownAnswerTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Test]
    public void HeaderSignedGetMatchesThePublishedSignature()
    {
        var request = Request("/photos/puppy.jpg", ("Date", "Tue, 27 Mar 2007 19:36:42 +0000"),
            ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU="));
        var now = new DateTimeOffset(2007, 3, 27, 19, 36, 42, TimeSpan.Zero);
        var claim = SigV2Verifier.Parse(request, [], now)!;
        Assert.That(SigV2Verifier.Verify(request, [], claim, Secret, hostBucket: "johnsmith"), Is.True);
        Assert.That(SigV2Verifier.Verify(request, [], claim, Secret + "x", hostBucket: "johnsmith"), Is.False);
    }

    [Test]
    public void PresignedQueryMatchesThePublishedSignatureUntilItExpires()
    {
        var request = Request("/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620");
        var query = SigV4Encoding.ParseQuery(SigV4Verifier.RawQuery(request));
        var claim = SigV2Verifier.Parse(request, query, DateTimeOffset.FromUnixTimeSeconds(1175139000))!;
        Assert.That(SigV2Verifier.Verify(request, query, claim, Secret, hostBucket: "johnsmith"), Is.True);
        Assert.Throws<AwsAuthException>(() => SigV2Verifier.Parse(request, query, DateTimeOffset.FromUnixTimeSeconds(1175139621)));
    }

    private static HttpRequest Request(string target, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        context.Request.Method = "GET";
        context.Request.Headers.Host = "johnsmith.s3.amazonaws.com";
        foreach (var (name, value) in headers)
            context.Request.Headers[name] = value;
        return context.Request;
    }
}
