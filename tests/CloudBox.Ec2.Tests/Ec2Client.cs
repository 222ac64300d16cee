using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using CloudBox.Core.Api.Aws;

namespace CloudBox.Ec2.Tests;

/// <summary>
/// Signs EC2 Query requests as the AWS SDKs do (SigV4, a form-encoded POST, service <c>ec2</c>) and
/// reads the XML answer; options let a test sign wrongly on purpose.
/// </summary>
public sealed class Ec2Client(string endpoint, string access, string secret, string region = "RegionOne")
{
    public static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private readonly HttpClient _http = new() { BaseAddress = new Uri(endpoint) };

    public string Access { get; } = access;
    public string Secret { get; set; } = secret;
    public string Region { get; set; } = region;
    public TimeSpan ClockOffset { get; set; }

    public sealed record Answer(HttpStatusCode Status, XDocument Xml, string Text)
    {
        public XElement Root => Xml.Root!;
        public string? ErrorCode => Xml.Root?.Element("Errors")?.Element("Error")?.Element("Code")?.Value;
        public IEnumerable<XElement> All(string name) => Xml.Descendants(Ns + name);
        public string? First(string name) => All(name).FirstOrDefault()?.Value;
    }

    public async Task<Answer> CallAsync(string action, params (string Name, string Value)[] parameters)
    {
        var form = new List<(string, string)> { ("Action", action), ("Version", "2016-11-15") };
        form.AddRange(parameters);
        var body = string.Join('&', form.Select(p => SigV4Encoding.Encode(p.Item1) + "=" + SigV4Encoding.Encode(p.Item2)));
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var now = DateTimeOffset.UtcNow + ClockOffset;
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var host = _http.BaseAddress!.Authority;
        const string contentType = "application/x-www-form-urlencoded; charset=utf-8";
        var headers = new List<KeyValuePair<string, string>> { new("content-type", contentType), new("host", host), new("x-amz-date", amzDate) };
        var hash = Convert.ToHexStringLower(SHA256.HashData(bodyBytes));
        var canonical = SigV4Signer.CanonicalRequest("POST", "/", [], headers, hash);
        var scope = $"{amzDate[..8]}/{Region}/ec2/aws4_request";
        var signature = SigV4Signer.Signature(SigV4Signer.SigningKey(Secret, amzDate[..8], Region, "ec2"), SigV4Signer.StringToSign(amzDate, scope, canonical));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Content = new ByteArrayContent(bodyBytes);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={Access}/{scope}, SignedHeaders=content-type;host;x-amz-date, Signature={signature}");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, XDocument.Parse(text), text);
    }

    /// <summary>Calls and asserts success.</summary>
    public async Task<Answer> OkAsync(string action, params (string Name, string Value)[] parameters)
    {
        var answer = await CallAsync(action, parameters);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), $"{action}: {answer.Text}");
        Assert.That(answer.Root.Name, Is.EqualTo(Ns + (action + "Response")));
        Assert.That(answer.Root.Element(Ns + "requestId")?.Value, Is.Not.Empty);
        return answer;
    }

    /// <summary>Calls and asserts EC2's error document with <paramref name="code"/>.</summary>
    public async Task<Answer> FailsAsync(string code, string action, params (string Name, string Value)[] parameters)
    {
        var answer = await CallAsync(action, parameters);
        Assert.That(answer.Status, Is.Not.EqualTo(HttpStatusCode.OK), answer.Text);
        Assert.That((int)answer.Status, Is.LessThan(500), answer.Text);
        Assert.That(answer.Root.Name.LocalName, Is.EqualTo("Response"), answer.Text);
        Assert.That(answer.ErrorCode, Is.EqualTo(code), answer.Text);
        Assert.That(answer.Root.Element("RequestID")?.Value, Is.Not.Empty);
        return answer;
    }
}
