using CloudBox.Core.Api.Aws;
using System.Text;
using CloudBox.Objects.S3;
using CloudBox.Objects.S3.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudBox.Objects.Tests.S3;

/// <summary>
/// The verifier against the worked examples of AWS's S3 SigV4 documentation: fixed requests,
/// the documented example key pair, and the signatures AWS published for them. A pass means
/// we agree with AWS (and so with every SDK), not merely with ourselves.
/// </summary>
public class SigV4KnownAnswerTests
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static readonly DateTimeOffset ExampleTime = new(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);
    private static readonly SigV4Scope Scope = new("s3", "us-east-1");

    [Test]
    public void GetObjectWithRangeMatchesThePublishedSignature()
    {
        var request = Request("GET", "/test.txt", "examplebucket.s3.amazonaws.com",
            ("Range", "bytes=0-9"), ("x-amz-content-sha256", EmptyHash), ("x-amz-date", "20130524T000000Z"),
            ("Authorization", Authorization("host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")));
        Assert.That(Verify(request, Secret), Is.True);
        Assert.That(Verify(request, Secret + "x"), Is.False, "another secret must not produce the same signature");
    }

    [Test]
    public void PutObjectSignsTheEncodedPathEvenWhenTheClientSentItRaw()
    {
        // AWS's example sends "/test$file.text" and signs "/test%24file.text".
        var request = Request("PUT", "/test$file.text", "examplebucket.s3.amazonaws.com",
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-date", "20130524T000000Z"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
            ("Authorization", Authorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class", "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")));
        Assert.That(Verify(request, Secret), Is.True);
    }

    [Test]
    public void BareSubresourceSignsAsAnEmptyValue()
    {
        var request = Request("GET", "/?lifecycle", "examplebucket.s3.amazonaws.com",
            ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", EmptyHash),
            ("Authorization", Authorization("host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")));
        Assert.That(Verify(request, Secret), Is.True);
    }

    [Test]
    public void QueryParametersSignInSortedOrder()
    {
        var request = Request("GET", "/?max-keys=2&prefix=J", "examplebucket.s3.amazonaws.com",
            ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", EmptyHash),
            ("Authorization", Authorization("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")));
        Assert.That(Verify(request, Secret), Is.True);
    }

    [Test]
    public void PresignedUrlMatchesThePublishedSignatureUntilItExpires()
    {
        var request = Request("GET",
            "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
            "examplebucket.s3.amazonaws.com");
        Assert.That(Verify(request, Secret), Is.True);
        var query = SigV4Encoding.ParseQuery(SigV4Verifier.RawQuery(request));
        var expired = Assert.Throws<AwsAuthException>(() => SigV4RequestParser.Parse(request, query, ExampleTime.AddSeconds(86401), Scope))!;
        Assert.That((expired.Status, expired.Code), Is.EqualTo((403, "AccessDenied")));
    }

    [Test]
    public void RequestsFarFromOurClockAreRefused()
    {
        var request = Request("GET", "/test.txt", "examplebucket.s3.amazonaws.com",
            ("x-amz-content-sha256", EmptyHash), ("x-amz-date", "20130524T000000Z"),
            ("Authorization", Authorization("host;x-amz-content-sha256;x-amz-date", new string('0', 64))));
        var query = SigV4Encoding.ParseQuery("");
        var skewed = Assert.Throws<AwsAuthException>(() => SigV4RequestParser.Parse(request, query, ExampleTime.AddMinutes(16), Scope))!;
        Assert.That((skewed.Status, skewed.Code), Is.EqualTo((403, "RequestTimeTooSkewed")));
    }

    [Test]
    public void ACredentialScopedToAnotherRegionIsMalformedAndNamesOurs()
    {
        var request = Request("GET", "/test.txt", "examplebucket.s3.amazonaws.com",
            ("x-amz-content-sha256", EmptyHash), ("x-amz-date", "20130524T000000Z"),
            ("Authorization", Authorization("host;x-amz-content-sha256;x-amz-date", new string('0', 64))));
        var refused = Assert.Throws<AwsAuthException>(() => SigV4RequestParser.Parse(request, SigV4Encoding.ParseQuery(""), ExampleTime, new SigV4Scope("s3", "RegionOne")))!;
        Assert.That((refused.Status, refused.Code), Is.EqualTo((400, "AuthorizationHeaderMalformed")));
        Assert.That(refused.Details, Does.Contain(new KeyValuePair<string, string>("Region", "RegionOne")));
    }

    [Test]
    public async Task ChunkedUploadMatchesThePublishedSeedAndChunkSignatures()
    {
        var request = StreamingRequest();
        var query = SigV4Encoding.ParseQuery("");
        var signed = SigV4RequestParser.Parse(request, query, ExampleTime, Scope);
        var key = SigV4Verifier.Verify(request, query, signed, Secret);
        Assert.That(key, Is.Not.Null, "seed signature");

        await using var decoded = new ChunkedPayloadStream(new MemoryStream(ExampleChunkedBody(corrupt: false)), key!, signed.AmzDate, signed.Scope, signed.Signature);
        var output = new MemoryStream();
        await decoded.CopyToAsync(output);
        Assert.That(output.ToArray(), Is.EqualTo(Enumerable.Repeat((byte)'a', 66560).ToArray()));
    }

    [Test]
    public void ChunkedUploadWithAlteredDataIsRefused()
    {
        var request = StreamingRequest();
        var query = SigV4Encoding.ParseQuery("");
        var signed = SigV4RequestParser.Parse(request, query, ExampleTime, Scope);
        var key = SigV4Verifier.Verify(request, query, signed, Secret)!;
        var decoded = new ChunkedPayloadStream(new MemoryStream(ExampleChunkedBody(corrupt: true)), key, signed.AmzDate, signed.Scope, signed.Signature);
        var error = Assert.ThrowsAsync<S3Error>(async () => await decoded.CopyToAsync(Stream.Null))!;
        Assert.That(error.Code, Is.EqualTo("SignatureDoesNotMatch"));
    }

    [Test]
    public void EncodingKeepsOnlyUnreservedCharacters()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SigV4Encoding.Encode("a b+c/d~e_f.g-h*"), Is.EqualTo("a%20b%2Bc%2Fd~e_f.g-h%2A"));
            Assert.That(SigV4Encoding.Encode("dir/é", keepSlash: true), Is.EqualTo("dir/%C3%A9"));
        });
    }

    private static HttpRequest StreamingRequest() => Request("PUT", "/examplebucket/chunkObject.txt", "s3.amazonaws.com",
        ("x-amz-date", "20130524T000000Z"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"), ("Content-Length", "66824"),
        ("Authorization", Authorization("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")));

    /// <summary>AWS's example body: 66560 bytes of 'a' as a 64 KiB chunk, a 1 KiB chunk and the final empty chunk, with their published signatures.</summary>
    private static byte[] ExampleChunkedBody(bool corrupt)
    {
        var body = new MemoryStream();
        foreach (var (size, signature) in new[]
                 {
                     (65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
                     (1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
                     (0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
                 })
        {
            body.Write(Encoding.ASCII.GetBytes($"{size:x};chunk-signature={signature}\r\n"));
            var data = Enumerable.Repeat((byte)'a', size).ToArray();
            if (corrupt && size == 1024)
                data[7] = (byte)'b';
            body.Write(data);
            body.Write("\r\n"u8);
        }
        return body.ToArray();
    }

    private static string Authorization(string signedHeaders, string signature) =>
        $"AWS4-HMAC-SHA256 Credential={AccessKey}/20130524/us-east-1/s3/aws4_request,SignedHeaders={signedHeaders},Signature={signature}";

    private static bool Verify(HttpRequest request, string secret)
    {
        var query = SigV4Encoding.ParseQuery(SigV4Verifier.RawQuery(request));
        var signed = SigV4RequestParser.Parse(request, query, ExampleTime, Scope);
        Assert.That(signed.AccessKey, Is.EqualTo(AccessKey));
        return SigV4Verifier.Verify(request, query, signed, secret) is not null;
    }

    private static HttpRequest Request(string method, string target, string host, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        var request = context.Request;
        request.Method = method;
        request.Headers.Host = host;
        foreach (var (name, value) in headers)
            request.Headers[name] = value;
        return request;
    }
}
