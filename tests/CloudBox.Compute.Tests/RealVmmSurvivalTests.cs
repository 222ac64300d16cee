using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CloudBox.Compute.Drivers;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Images;
using CloudBox.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Supervision on the real driver: a VM started by `serve` keeps running, the very same process, when
/// `serve` stops and starts again, which then reattaches to it through its control socket; a VMM that
/// dies on its own makes its server SHUTOFF at the next power-state sync. (`serve` killed with SIGKILL
/// is tests/acceptance/compute-survival.sh: a host in this process cannot be killed that way.) Needs
/// what RealVmmBootTests needs: a published binary with the vmm verb, /dev/kvm and the test guest.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RealVmmSurvivalTests
{
    /// <summary>The published binary, the guest's kernel and initrd; ignores the test, saying why, when one is missing.</summary>
    private static (string Binary, string Kernel, string Initrd) Requirements()
    {
        var binary = Environment.GetEnvironmentVariable("CLOUDBOX_BIN") ?? Path.Combine(TestGuest.RepositoryRoot, ".build", "cloudbox", "cloudbox");
        if (!File.Exists(binary))
            Assert.Ignore($"no published cloudbox binary at {binary} (set CLOUDBOX_BIN)");
        var help = Process.Start(new ProcessStartInfo(binary, ["vmm", "--help"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = help.StandardOutput.ReadToEnd() + help.StandardError.ReadToEnd();
        help.WaitForExit();
        if (!text.Contains("--kernel", StringComparison.Ordinal))
            Assert.Ignore($"{binary} has no `vmm` verb");
        if (!File.Exists("/dev/kvm"))
            Assert.Ignore("/dev/kvm is missing: no KVM on this machine");
        var build = Process.Start(new ProcessStartInfo("sh", [Path.Combine(TestGuest.RepositoryRoot, "packaging", "guest", "build-initramfs.sh")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = build.StandardOutput.ReadToEnd();
        build.StandardError.ReadToEnd();
        build.WaitForExit();
        var guest = build.ExitCode == 0 ? output.Trim().Split('\n')[^1] : "";
        var kernel = Path.Combine(guest, "vmlinux");
        var initrd = Path.Combine(guest, "initramfs.cpio");
        if (!File.Exists(kernel) || !File.Exists(initrd))
            Assert.Ignore("no guest kernel: packaging/guest/build-initramfs.sh failed (needs linux-image-cloud-amd64, busybox-static)");
        return (binary, kernel, initrd);
    }

    [Test]
    public async Task A_VM_outlives_a_restart_of_serve_and_a_VMM_that_dies_makes_its_server_SHUTOFF()
    {
        var (binary, kernel, initrd) = Requirements();
        await using var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, new ImagesModule(), new ComputeModule(new ComputeSettings
        {
            VmmBinary = binary, HostName = "survival-node", Supervision = "auto",
            BuildPollInterval = TimeSpan.FromMilliseconds(100), PowerSyncInterval = TimeSpan.FromMilliseconds(500), ShutdownTimeout = TimeSpan.FromSeconds(5),
        }));
        var token = await cloud.AdminTokenAsync();
        var kernelId = await UploadAsync(cloud, token, "aki", await File.ReadAllBytesAsync(kernel));
        var ramdiskId = await UploadAsync(cloud, token, "ari", await File.ReadAllBytesAsync(initrd));
        var imageId = await UploadAsync(cloud, token, "raw", new byte[16 << 20],
            new JsonObject { ["kernel_id"] = kernelId, ["ramdisk_id"] = ramdiskId, ["os_command_line"] = TestGuest.CommandLine });
        var (created, body, _) = await cloud.SendAsync(HttpMethod.Post, "/compute/v2.1/servers", token, new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = "survivor", ["imageRef"] = imageId, ["flavorRef"] = "1", ["networks"] = "none" },
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["server"]!["id"]!.GetValue<string>();
        string? pid = null;
        try
        {
            await WaitForAsync(cloud, token, id, "ACTIVE", TimeSpan.FromSeconds(30));
            var directory = Path.Combine(cloud.DataDirectory, "compute", "instances", id);
            var socket = Path.Combine(directory, "api.sock");
            pid = (await File.ReadAllTextAsync(Path.Combine(directory, "vmm.pid"))).Trim();
            var launcher = await File.ReadAllTextAsync(Path.Combine(directory, "vmm.launcher"));
            if (!SystemdUnitLauncher.SystemdBooted)
                Assert.That(launcher, Is.EqualTo("detached"), "without systemd as PID 1, VMs are detached processes, and that is recorded");
            else
                Assert.That(launcher, Is.AnyOf("systemd", "detached"));
            var before = await VmInfoAsync(socket);
            Assert.That(before["state"]!.GetValue<string>(), Is.EqualTo("running"));

            // serve goes away and comes back on the same data: its VM must not notice.
            await cloud.RestartAsync(async () =>
            {
                Assert.That(IsAlive(pid, socket), Is.True, "the VMM runs on while serve is down");
                Assert.That((await VmInfoAsync(socket))["state"]!.GetValue<string>(), Is.EqualTo("running"));
            });
            token = await cloud.AdminTokenAsync();
            await Task.Delay(1000); // a few power-state syncs
            var server = await ShowAsync(cloud, token, id);
            Assert.That(server["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), server.ToJsonString());
            Assert.That(server["OS-EXT-STS:power_state"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That((await File.ReadAllTextAsync(Path.Combine(directory, "vmm.pid"))).Trim(), Is.EqualTo(pid), "the VM was never restarted");
            Assert.That(IsAlive(pid, socket), Is.True);
            var after = await VmInfoAsync(socket);
            Assert.That(after["startedAt"]!.GetValue<string>(), Is.EqualTo(before["startedAt"]!.GetValue<string>()), "the same VMM process answers");
            Assert.That(after["boots"]!.GetValue<int>(), Is.EqualTo(before["boots"]!.GetValue<int>()), "the guest did not reboot");
            Assert.That(after["state"]!.GetValue<string>(), Is.EqualTo("running"));

            // `cloudbox admin vms` shows the operator the same: the server, its supervision, the VMM's pid.
            var listing = new StringWriter();
            var vms = cloud.Services.GetServices<IAdminCommand>().Single(c => c.Name == "vms");
            Assert.That(await vms.RunAsync([], listing, CancellationToken.None), Is.EqualTo(0));
            var row = listing.ToString().Split('\n').Single(l => l.StartsWith(id, StringComparison.Ordinal));
            Assert.That(row.Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { id, "survivor", "ACTIVE" }
                .Concat(launcher == "systemd" ? ["systemd", $"({SystemdUnitLauncher.UnitName(id)})"] : new[] { "detached" }).Concat([pid, "running"])));

            // The restarted serve drives the VM it reattached to: a stop goes through the control socket.
            var (stop, _, _) = await cloud.SendAsync(HttpMethod.Post, $"/compute/v2.1/servers/{id}/action", token, new JsonObject { ["os-stop"] = null });
            Assert.That(stop, Is.EqualTo(HttpStatusCode.Accepted));
            await WaitForAsync(cloud, token, id, "SHUTOFF", TimeSpan.FromSeconds(30));
            Assert.That(IsAlive(pid, socket), Is.False, "a stopped server leaves no VMM process");

            // A VMM that dies on its own: the next sync records the server as SHUTOFF, with Nova's stop action.
            var (start, _, _) = await cloud.SendAsync(HttpMethod.Post, $"/compute/v2.1/servers/{id}/action", token, new JsonObject { ["os-start"] = null });
            Assert.That(start, Is.EqualTo(HttpStatusCode.Accepted));
            await WaitForAsync(cloud, token, id, "ACTIVE", TimeSpan.FromSeconds(30));
            pid = (await File.ReadAllTextAsync(Path.Combine(directory, "vmm.pid"))).Trim();
            Assert.That(IsAlive(pid, socket), Is.True);
            Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)).Kill();
            var died = Stopwatch.StartNew();
            server = await WaitForAsync(cloud, token, id, "SHUTOFF", TimeSpan.FromSeconds(10));
            TestContext.Out.WriteLine($"VMM killed to SHUTOFF: {died.ElapsedMilliseconds} ms (sync interval 500 ms)");
            Assert.That(server["OS-EXT-STS:power_state"]!.GetValue<int>(), Is.EqualTo(4));
            var (_, actions, _) = await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}/os-instance-actions", token);
            Assert.That(actions!["instanceActions"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToList(),
                Is.EqualTo(new[] { "stop", "start", "stop", "create" }), "the sync's stop is recorded as the newest action");
        }
        finally
        {
            await cloud.SendAsync(HttpMethod.Delete, $"/compute/v2.1/servers/{id}", await cloud.AdminTokenAsync());
            for (var i = 0; i < 100 && pid is not null && Directory.Exists($"/proc/{pid}"); i++)
                await Task.Delay(100);
        }
        Assert.That(pid is null || !Directory.Exists($"/proc/{pid}") || !File.ReadAllText($"/proc/{pid}/cmdline").Contains(id, StringComparison.Ordinal),
            "deleting the server ends its VMM");
    }

    private static bool IsAlive(string pid, string socket) => VmmProcesses.IsVmm(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture), socket);

    /// <summary>GET /vm on the VM's control socket.</summary>
    private static async Task<JsonNode> VmInfoAsync(string socketPath)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = new Uri("http://vmm/") };
        return (await client.GetFromJsonAsync<JsonNode>("vm"))!;
    }

    private static async Task<JsonObject> ShowAsync(TestCloud cloud, string token, string id) =>
        (await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}", token)).Body!["server"]!.AsObject();

    private static async Task<JsonObject> WaitForAsync(TestCloud cloud, string token, string id, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonObject server;
        do
        {
            server = await ShowAsync(cloud, token, id);
            if (server["status"]!.GetValue<string>() == status && server["OS-EXT-STS:task_state"] is null)
                return server;
            if (server["status"]!.GetValue<string>() == "ERROR")
                Assert.Fail($"server went to ERROR: {server.ToJsonString()}");
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"server did not reach {status}: {server.ToJsonString()}");
        return server;
    }

    private static Task<string> UploadAsync(TestCloud cloud, string token, string format, byte[] data, JsonObject? properties = null)
    {
        var attributes = new JsonObject { ["name"] = "survival-" + format, ["disk_format"] = format, ["container_format"] = format is "aki" or "ari" ? format : "bare" };
        foreach (var (key, value) in properties ?? [])
            attributes[key] = value?.DeepClone();
        return cloud.UploadImageAsync(token, attributes, data);
    }
}
