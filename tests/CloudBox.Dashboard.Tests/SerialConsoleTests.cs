using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudBox.Dashboard.Tests;

/// <summary>Nova's serial console API and its WebSocket, against a VM whose serial port echoes (upper-cased).</summary>
[NonParallelizable]
public sealed class SerialConsoleTests : DashboardFixture
{
    private string _serverId = "";

    [OneTimeSetUp]
    public async Task CreateServer() => _serverId = await CreateActiveServerAsync(await CreateBootableImageAsync(Unique("echo")));

    private async Task<(HttpStatusCode Status, JsonNode? Body)> RemoteConsoleAsync(string version, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/compute/v2.1/servers/{_serverId}/remote-consoles") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("OpenStack-API-Version", "compute " + version);
        using var response = await Cloud.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private static JsonObject Serial(string protocol = "serial", string type = "serial") =>
        new() { ["remote_console"] = new JsonObject { ["protocol"] = protocol, ["type"] = type } };

    [Test]
    public async Task Remote_consoles_answers_a_one_time_websocket_url_from_2_6()
    {
        var (status, body) = await RemoteConsoleAsync("2.6", Serial());
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var console = body!["remote_console"]!;
        Assert.That(console["protocol"]!.GetValue<string>(), Is.EqualTo("serial"));
        Assert.That(console["type"]!.GetValue<string>(), Is.EqualTo("serial"));
        Assert.That(console["url"]!.GetValue<string>(), Does.StartWith(Cloud.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/compute/serial-console?token="));

        Assert.That((await RemoteConsoleAsync("2.5", Serial())).Status, Is.EqualTo(HttpStatusCode.NotFound), "the API starts at 2.6");
        Assert.That((await RemoteConsoleAsync("2.6", Serial("vnc", "novnc"))).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await RemoteConsoleAsync("2.6", Serial("ftp", "serial"))).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task The_2_1_action_answers_the_same_kind_of_url()
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, $"/compute/v2.1/servers/{_serverId}/action", AdminToken,
            new JsonObject { ["os-getSerialConsole"] = new JsonObject { ["type"] = "serial" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That(body!["console"]!["type"]!.GetValue<string>(), Is.EqualTo("serial"));
        Assert.That(body["console"]!["url"]!.GetValue<string>(), Does.Contain("/compute/serial-console?token="));
    }

    [Test]
    public async Task Typing_into_the_websocket_reaches_the_guest_and_its_answer_comes_back_and_the_token_works_once()
    {
        var (_, body) = await RemoteConsoleAsync("2.6", Serial());
        var url = new Uri(body!["remote_console"]!["url"]!.GetValue<string>());
        using (var socket = new ClientWebSocket())
        {
            socket.Options.AddSubProtocol("binary");
            await socket.ConnectAsync(url, CancellationToken.None);
            Assert.That(socket.SubProtocol, Is.EqualTo("binary"));
            await socket.SendAsync("hello console\r"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
            var received = await ReadUntilAsync(socket, "HELLO CONSOLE");
            Assert.That(received, Does.Contain("guest: ready").And.Contain("HELLO CONSOLE"));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        using var again = new ClientWebSocket();
        await again.ConnectAsync(url, CancellationToken.None);
        var buffer = new byte[256];
        var result = await again.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That(again.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        Assert.That(again.CloseStatusDescription, Does.Contain("token"));
    }

    private static async Task<string> ReadUntilAsync(ClientWebSocket socket, string expected)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!text.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
        return text.ToString();
    }
}
