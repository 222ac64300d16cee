using System.Net;
using System.Net.Sockets;
using System.Text;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.Swift;

/// <summary>
/// Metadata text: UTF-8 round-trips as Swift returns it (the bytes on the wire), S3 shows it as an
/// RFC 2047 word, control characters are refused at write, and metadata stored before that rule
/// never makes a read fail. Container names are single, non-relative segments.
/// </summary>
public sealed class MetadataTextTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    /// <summary>Sends one request with exactly these header bytes (UTF-8) and returns the status and the header lines as UTF-8.</summary>
    private async Task<(int Status, string[] Headers)> RawAsync(string method, string path, params string[] headers)
    {
        var uri = new Uri(Cloud.BaseUrl);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        var request = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {uri.Authority}\r\nX-Auth-Token: {AdminToken}\r\nConnection: close\r\n");
        foreach (var header in headers)
            request.Append(header).Append("\r\n");
        if (method is "PUT" or "POST")
            request.Append("Content-Length: 0\r\n");
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer);
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var head = text[..Math.Max(0, text.IndexOf("\r\n\r\n", StringComparison.Ordinal))].Split("\r\n");
        return (int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head[1..]);
    }

    [Test]
    public async Task Utf8_metadata_round_trips_on_objects_containers_and_the_account()
    {
        var container = await CreateContainerAsync();
        var put = await RawAsync("PUT", $"{Account}/{container}/obj", "X-Object-Meta-Utf: café ünïcødé 雪");
        Assert.That(put.Status, Is.EqualTo(201));
        var head = await RawAsync("HEAD", $"{Account}/{container}/obj");
        Assert.That(head.Status, Is.EqualTo(200));
        Assert.That(head.Headers, Does.Contain("X-Object-Meta-Utf: café ünïcødé 雪"));
        Assert.That((await RawAsync("GET", $"{Account}/{container}/obj")).Status, Is.EqualTo(200));
        Assert.That((await RawAsync("GET", $"{Account}/{container}")).Status, Is.EqualTo(200));

        Assert.That((await RawAsync("POST", $"{Account}/{container}", "X-Container-Meta-Utf: crème")).Status, Is.EqualTo(204));
        Assert.That((await RawAsync("HEAD", $"{Account}/{container}")).Headers, Does.Contain("X-Container-Meta-Utf: crème"));
        Assert.That((await RawAsync("POST", Account, "X-Account-Meta-Utf: brûlée")).Status, Is.EqualTo(204));
        Assert.That((await RawAsync("HEAD", Account)).Headers, Does.Contain("X-Account-Meta-Utf: brûlée"));
        Assert.That((await RawAsync("GET", Account)).Status, Is.EqualTo(200));
        await RawAsync("POST", Account, "X-Remove-Account-Meta-Utf: x");
    }

    [Test]
    public async Task Control_characters_in_metadata_are_refused_at_write()
    {
        var container = await CreateContainerAsync();
        foreach (var value in new[] { "a\u0001b", "del\u007f", "esc\u001b[31m" })
        {
            Assert.That((await RawAsync("PUT", $"{Account}/{container}/obj", "X-Object-Meta-Bad: " + value)).Status, Is.EqualTo(400), value);
            Assert.That((await RawAsync("POST", $"{Account}/{container}", "X-Container-Meta-Bad: " + value)).Status, Is.EqualTo(400), value);
            Assert.That((await RawAsync("POST", Account, "X-Account-Meta-Bad: " + value)).Status, Is.EqualTo(400), value);
        }
        Assert.That((await RawAsync("HEAD", $"{Account}/{container}/obj")).Status, Is.EqualTo(404), "nothing was stored");
    }

    [Test]
    public async Task Metadata_stored_before_the_rule_is_still_readable()
    {
        var container = await CreateContainerAsync();
        var database = Cloud.OpenDatabase();
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE objects_containers SET metadata = '{\"bad\":\"a\\u0001b\\u007f\"}' WHERE project_id = '" + AdminProjectId + "' AND name = '" + container + "'";
            Assert.That(await command.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }
        var head = await RawAsync("HEAD", $"{Account}/{container}");
        Assert.That(head.Status, Is.EqualTo(204));
        Assert.That(head.Headers, Does.Contain("X-Container-Meta-Bad: a%01b%7F"));
        Assert.That((await RawAsync("GET", $"{Account}/{container}")).Status, Is.EqualTo(204).Or.EqualTo(200));
    }

    [Test]
    public async Task Container_names_are_single_non_relative_segments()
    {
        // Dot segments may be resolved by the HTTP layer before Swift sees them (then the path names no container): refused either way.
        foreach (var name in new[] { ".", "..", "%2E", "%2E%2E", "a%2Fb", "%2Fx" })
        {
            var status = (await RawAsync("PUT", $"{Account}/{name}")).Status;
            Assert.That(status, name.Contains("2F", StringComparison.Ordinal) ? Is.EqualTo(400) : Is.EqualTo(400).Or.EqualTo(404).Or.EqualTo(405), name);
        }
        var listing = await SendAsync("GET", Account + "?format=json", AdminToken);
        var names = System.Text.Json.Nodes.JsonNode.Parse(await listing.Content.ReadAsStringAsync())!.AsArray().Select(c => c!["name"]!.GetValue<string>());
        Assert.That(names, Has.None.EqualTo(".").And.None.EqualTo("..").And.None.Contains("/"));
    }
}

/// <summary>How S3 shows metadata that is not printable ASCII: one RFC 2047 word, as S3 does.</summary>
public sealed class S3MetadataTextTests
{
    [Test]
    public void Non_ascii_values_are_rfc2047_words_and_ascii_values_are_unchanged()
    {
        Assert.That(CloudBox.Objects.Storage.MetadataText.ForS3Header("café"), Is.EqualTo("=?UTF-8?B?Y2Fmw6k=?="));
        Assert.That(CloudBox.Objects.Storage.MetadataText.ForS3Header("plain value"), Is.EqualTo("plain value"));
        Assert.That(CloudBox.Objects.Storage.MetadataText.ForS3Header("a\u0001b"), Is.EqualTo("=?UTF-8?B?YQFi?="));
    }
}
