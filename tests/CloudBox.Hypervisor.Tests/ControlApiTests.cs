using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CloudBox.Hypervisor.ControlApi;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class ControlApiTests
{
    [Test]
    public async Task Get_vm_reports_state_config_and_counters_and_actions_pause_resume_and_kill()
    {
        GuestFixtures.RequireKvm();
        // Prints, then spins: exits are counted, and the guest never ends on its own.
        using var guest = new TinyGuest([.. TinyGuest.PrintString("spin\n"), .. TinyGuest.SpinForever]);
        var socket = Path.Combine(Path.GetTempPath(), $"cloudbox-api-{Guid.NewGuid():N}.sock");
        await using var server = await ControlServer.StartAsync(socket, guest.Host);
        using var client = UnixSocketClient(socket);
        var first = guest.Host.Prepare();
        var run = Task.Factory.StartNew(() => guest.Host.Run(first), TaskCreationOptions.LongRunning);
        SpinWait.SpinUntil(() => first.State == VmState.Running, 5000);

        var vm = await client.GetFromJsonAsync<JsonObject>("/vm");
        Assert.That((string?)vm!["state"], Is.EqualTo("running"));
        Assert.That((int?)vm["config"]!["memoryMiB"], Is.EqualTo(64));
        Assert.That((long?)vm["counters"]!["exitsByReason"]!["Io"], Is.EqualTo(5), "one port exit per character of \"spin\\n\"");
        Assert.That((long?)vm["counters"]!["ioPorts"]!["0x3f8"], Is.EqualTo(5));

        Assert.That((await Act(client, "pause")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((string?)(await client.GetFromJsonAsync<JsonObject>("/vm"))!["state"], Is.EqualTo("paused"));
        Assert.That((await Act(client, "pause")).StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "already paused");
        Assert.That((await Act(client, "resume")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((string?)(await client.GetFromJsonAsync<JsonObject>("/vm"))!["state"], Is.EqualTo("running"));
        Assert.That((await Act(client, "dance")).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await client.GetAsync("/nothing")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        Assert.That((await Act(client, "kill")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(run.Result, Is.EqualTo(VmmExitCode.Killed));
    }

    [Test]
    public async Task Reboot_action_restarts_the_guest_even_under_no_reboot()
    {
        GuestFixtures.RequireKvm();
        using var guest = new TinyGuest([.. TinyGuest.PrintString("up\n"), .. TinyGuest.SpinForever], noReboot: true);
        var socket = Path.Combine(Path.GetTempPath(), $"cloudbox-api-{Guid.NewGuid():N}.sock");
        await using var server = await ControlServer.StartAsync(socket, guest.Host);
        using var client = UnixSocketClient(socket);
        var first = guest.Host.Prepare();
        var run = Task.Factory.StartNew(() => guest.Host.Run(first), TaskCreationOptions.LongRunning);
        SpinWait.SpinUntil(() => guest.ConsoleText == "up\n", 5000);
        Assert.That((await Act(client, "reboot")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        SpinWait.SpinUntil(() => guest.ConsoleText == "up\nup\n", 10000);
        Assert.That(guest.Host.Boots, Is.EqualTo(2));
        guest.Host.Kill();
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
    }

    private static Task<HttpResponseMessage> Act(HttpClient client, string action) =>
        client.PutAsJsonAsync("/vm/actions", new { action });

    internal static HttpClient UnixSocketClient(string path) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellation) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellation);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://localhost") };
}
