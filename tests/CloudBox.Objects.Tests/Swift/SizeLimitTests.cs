using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Objects.Tests.Swift;

/// <summary>
/// The single-object limit (5 GiB in production) shrunk to 1000 bytes: bigger bodies are refused
/// with 413, whether announced or streamed, and a large object made of segments still works.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class SizeLimitTests(DatabaseEngine engine)
{
    private TestCloud _cloud = null!;
    private string _token = "";
    private string _account = "";

    [OneTimeSetUp]
    public async Task Start()
    {
        _cloud = await TestCloud.StartAsync(engine, new ObjectsModule(new ObjectsSettings { MaxObjectBytes = 1000 }));
        _token = await _cloud.AdminTokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/identity/v3/auth/tokens");
        request.Headers.Add("X-Auth-Token", _token);
        request.Headers.Add("X-Subject-Token", _token);
        using var response = await _cloud.Client.SendAsync(request);
        var project = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!["project"]!["id"]!.GetValue<string>();
        _account = "/object-store/v1/AUTH_" + project;
        await Send(HttpMethod.Put, $"{_account}/limits", null);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _cloud.DisposeAsync();

    [Test]
    public async Task BodiesOverTheLimitAreRefusedAndSegmentsGoBeyondIt()
    {
        Assert.That(await Send(HttpMethod.Put, $"{_account}/limits/too-big", new ByteArrayContent(new byte[1001])), Is.EqualTo(413));
        Assert.That(await Send(HttpMethod.Put, $"{_account}/limits/streamed", new StreamContent(new MemoryStream(new byte[5000])), chunked: true), Is.EqualTo(413));
        Assert.That(await Send(HttpMethod.Get, $"{_account}/limits/too-big", null), Is.EqualTo(404));
        Assert.That(Directory.EnumerateFiles(Path.Combine(_cloud.DataDirectory, "objects", "tmp")), Is.Empty);

        Assert.That(await Send(HttpMethod.Put, $"{_account}/limits/big/1", new ByteArrayContent(new byte[1000])), Is.EqualTo(201));
        Assert.That(await Send(HttpMethod.Put, $"{_account}/limits/big/2", new ByteArrayContent(new byte[1000])), Is.EqualTo(201));
        using var manifest = new HttpRequestMessage(HttpMethod.Put, $"{_account}/limits/big") { Content = new ByteArrayContent([]) };
        manifest.Headers.Add("X-Auth-Token", _token);
        manifest.Headers.Add("X-Object-Manifest", "limits/big/");
        Assert.That((int)(await _cloud.Client.SendAsync(manifest)).StatusCode, Is.EqualTo(201));
        using var get = new HttpRequestMessage(HttpMethod.Get, $"{_account}/limits/big");
        get.Headers.Add("X-Auth-Token", _token);
        Assert.That((await (await _cloud.Client.SendAsync(get)).Content.ReadAsByteArrayAsync()).Length, Is.EqualTo(2000));
    }

    private async Task<int> Send(HttpMethod method, string path, HttpContent? content, bool chunked = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Auth-Token", _token);
        if (chunked)
            request.Headers.TransferEncodingChunked = true;
        try
        {
            using var response = await _cloud.Client.SendAsync(request);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return -1; // the server may close the connection on a refused body
        }
    }
}
