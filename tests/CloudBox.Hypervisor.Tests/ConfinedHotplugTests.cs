using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CloudBox.Linux;
using CloudBox.Linux.Confinement;
using CloudBox.Linux.Tun;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// Hot-plug against a confined `cloudbox vmm` process (its own root, another uid, seccomp on every thread), where
/// nothing can be loaded lazily: the request paths that run only after confinement (an unplug, a NIC with no MAC,
/// whose random address came from OpenSSL, absent from the jail) must still answer, and the VMM must live on.
/// </summary>
[TestFixture]
public sealed class ConfinedHotplugTests
{
    [Test]
    public async Task A_confined_VMM_plugs_a_NIC_without_a_MAC_and_unplugs_it_and_keeps_running()
    {
        GuestFixtures.RequireKvm();
        if (Environment.UserName != "root") Assert.Ignore("confinement needs root (namespaces, pivot_root, another uid)");
        if (!File.Exists("/dev/net/tun")) Assert.Ignore("no /dev/net/tun: taps cannot be made here");
        var binary = CloudBoxBinary.Find();
        var directory = Directory.CreateTempSubdirectory("cloudbox-confined-").FullName;
        var socketPath = Path.Combine(directory, "api.sock");
        var start = new ProcessStartInfo(binary, ["vmm", "--kernel", GuestFixtures.BzImage, "--cmdline", "console=ttyS0 panic=-1",
            "--memory", "128", "--vcpus", "1", "--console", Path.Combine(directory, "console.log"), "--api-socket", socketPath, "--eject-timeout", "1"])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var vmm = Process.Start(start)!;
        var log = vmm.StandardError.ReadToEndAsync();
        var tapName = "cbc" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using var client = Client(socketPath, passed: null);
            await WaitForAnswerAsync(client, vmm, log);

            using (var tap = TapDevice.Open(tapName, vnetHeaderSize: 12))
            using (var plugging = Client(socketPath, tap.Handle))
            {
                var plug = await plugging.PutAsJsonAsync("/vm/nets", new { id = "port-1", tap = tapName });
                Assert.That(plug.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await plug.Content.ReadAsStringAsync());
            }
            var vm = await client.GetFromJsonAsync<JsonObject>("/vm");
            Assert.That((string?)vm!["nets"]![0]!["mac"], Does.StartWith("52:54:00:"), "a MAC of its own, from the kernel's random bytes");

            var unplug = await client.DeleteAsync("/vm/nets/port-1");
            Assert.That(unplug.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await unplug.Content.ReadAsStringAsync());
            vm = await client.GetFromJsonAsync<JsonObject>("/vm");
            Assert.That(vm!["nets"]!.AsArray(), Is.Empty);
            Assert.That(vmm.HasExited, Is.False, "the VMM lives on");
        }
        finally
        {
            if (!vmm.HasExited) vmm.Kill();
            await vmm.WaitForExitAsync();
            TestContext.Out.WriteLine(await log);
            Directory.Delete(directory, recursive: true);
        }
        Assert.That(await log, Does.Contain("confined: uid").And.Contain("seccomp on every thread"));
    }

    private static async Task WaitForAnswerAsync(HttpClient client, Process vmm, Task<string> log)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (vmm.HasExited) Assert.Fail($"the VMM exited ({vmm.ExitCode}): {await log}");
            try
            {
                if ((await client.GetAsync("/vm")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail("the VMM's control socket did not answer in 30 s");
    }

    /// <summary>A client of the control socket; with <paramref name="passed"/>, each connection first hands that descriptor over (as Compute does).</summary>
    private static HttpClient Client(string socketPath, FileDescriptor? passed) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            if (passed is { } descriptor) DescriptorPassing.Send(socket, 0, descriptor.Value);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://vmm"), Timeout = TimeSpan.FromSeconds(30) };
}
