using System.Net.Sockets;
using System.Text;
using CloudBox.Hypervisor.ControlApi;

namespace CloudBox.Hypervisor.Tests;

/// <summary>The control API's serial stream (<c>GET /vm/serial</c>) against a real KVM guest that echoes its serial input.</summary>
[TestFixture]
public sealed class SerialStreamTests
{
    [Test]
    public async Task Bytes_written_to_the_serial_stream_reach_the_guest_and_its_output_comes_back_to_every_reader()
    {
        GuestFixtures.RequireKvm();
        using var guest = new TinyGuest(GccGuest.Build("serial_echo.c"));
        var path = Path.Combine(Path.GetTempPath(), $"cloudbox-serial-{Guid.NewGuid():N}.sock");
        await using var server = await ControlServer.StartAsync(path, guest.Host);
        var first = guest.Host.Prepare();
        var run = Task.Factory.StartNew(() => guest.Host.Run(first), TaskCreationOptions.LongRunning);
        try
        {
            Assert.That(SpinWait.SpinUntil(() => guest.ConsoleText.Contains("echo ready", StringComparison.Ordinal), 10000), Is.True, "the guest booted");
            await using var typist = await OpenAsync(path);
            await using var watcher = await OpenAsync(path);
            await typist.WriteAsync("hello serial\n"u8.ToArray());
            Assert.That(await ReadUntilAsync(typist, "HELLO SERIAL"), Does.Contain("HELLO SERIAL"));
            Assert.That(await ReadUntilAsync(watcher, "HELLO SERIAL"), Does.Contain("HELLO SERIAL"), "a second reader sees the same output");
            Assert.That(guest.ConsoleText, Does.Contain("HELLO SERIAL"), "the console log still gets everything");
        }
        finally
        {
            guest.Host.Kill();
            Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
        }
    }

    private static async Task<NetworkStream> OpenAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        var stream = new NetworkStream(socket, ownsSocket: true);
        await stream.WriteAsync("GET /vm/serial HTTP/1.1\r\nHost: vmm\r\nUpgrade: cloudbox-serial\r\nConnection: Upgrade\r\n\r\n"u8.ToArray());
        var header = await ReadUntilAsync(stream, "\r\n\r\n");
        Assert.That(header, Does.StartWith("HTTP/1.1 101 "));
        return stream;
    }

    private static async Task<string> ReadUntilAsync(Stream stream, string expected)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!text.ToString().Contains(expected, StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0) break;
            text.Append((char)one[0]);
        }
        return text.ToString();
    }
}
