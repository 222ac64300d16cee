using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// End to end: the unmodified Debian cloud kernel boots on the VMM, loads its virtio modules from the initramfs, and
/// uses the disk, entropy and network devices. A boot takes tens of seconds to minutes on a nested, software-assisted
/// KVM host, so one boot serves several checks.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DebianGuestTests
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(5);

    [Test]
    public async Task Debian_kernel_boots_reads_and_writes_the_disk_refuses_a_read_only_one_gets_entropy_and_powers_off()
    {
        var disk = Path.GetTempFileName();
        var readOnly = Path.GetTempFileName();
        var sentinel = new byte[1024 * 1024];
        Encoding.ASCII.GetBytes("HOST-WROTE-THIS\n").CopyTo(sentinel, 0);
        await File.WriteAllBytesAsync(disk, sentinel);
        await File.WriteAllBytesAsync(readOnly, new byte[1024 * 1024]);
        try
        {
            await using var guest = DebianGuest.Start("blk,rng", ["--disk", $"{disk},serial=cbtest-disk", "--disk", $"{readOnly},ro"]);
            await guest.WaitForLineAsync("CLOUDBOX-INIT", BootTimeout);
            Assert.That(await guest.WaitForLineAsync("CLOUDBOX-BLK-SERIAL", BootTimeout), Is.EqualTo("CLOUDBOX-BLK-SERIAL cbtest-disk"));
            Assert.That(await guest.WaitForLineAsync("CLOUDBOX-BLK-READ", BootTimeout), Is.EqualTo("CLOUDBOX-BLK-READ HOST-WROTE-THIS"));
            await guest.WaitForLineAsync("CLOUDBOX-BLK-WRITTEN", BootTimeout);
            Assert.That(await guest.WaitForLineAsync("CLOUDBOX-RO-", BootTimeout), Is.EqualTo("CLOUDBOX-RO-REFUSED"));
            Assert.That(await guest.WaitForLineAsync("CLOUDBOX-RNG-CURRENT", BootTimeout), Does.Contain("virtio_rng"));
            var bytes = (await guest.WaitForLineAsync("CLOUDBOX-RNG-BYTES", BootTimeout)).Split(' ')[1];
            Assert.That(bytes, Has.Length.EqualTo(64).And.Not.EqualTo(new string('0', 64)));
            Assert.That(await guest.WaitForExitAsync(BootTimeout), Is.EqualTo((int)VmmExitCode.PowerOff), guest.Errors.ToString());

            var written = await File.ReadAllBytesAsync(disk);
            Assert.That(Encoding.ASCII.GetString(written, 4096, 17), Is.EqualTo("GUEST-WROTE-THIS\n"));
            Assert.That((await File.ReadAllBytesAsync(readOnly)).All(b => b == 0), Is.True, "the read-only disk is untouched");
            Assert.That(guest.Console, Does.Not.Contain("CLOUDBOX-INSMOD-FAILED"));
        }
        finally
        {
            File.Delete(disk);
            File.Delete(readOnly);
        }
    }

    [Test]
    public async Task Guest_on_a_tap_answers_ping_from_a_network_namespace_then_powers_off_on_the_api_shutdown()
    {
        var suffix = Environment.ProcessId % 10000;
        var tap = $"cbt{suffix}";
        var netns = $"cbtest{suffix}";
        Run("ip", $"tuntap add dev {tap} mode tap");
        try
        {
            Run("ip", $"netns add {netns}");
            var socket = Path.Combine(Path.GetTempPath(), $"cloudbox-net-{suffix}.sock");
            await using var guest = DebianGuest.Start("net,wait", ["--net", $"tap={tap},mac=52:54:00:c0:ff:ee", "--api-socket", socket], "cloudbox.ip=10.99.0.2/24");
            // The VMM holds the tap now; move it into a throwaway namespace so the host's routes are never touched.
            await guest.WaitForLineAsync("CLOUDBOX-INIT", BootTimeout);
            Run("ip", $"link set {tap} netns {netns}");
            Run("ip", $"-n {netns} addr add 10.99.0.1/24 dev {tap}");
            Run("ip", $"-n {netns} link set {tap} up");
            Assert.That(await guest.WaitForLineAsync("CLOUDBOX-NET-MAC", BootTimeout), Is.EqualTo("CLOUDBOX-NET-MAC 52:54:00:c0:ff:ee"));
            await guest.WaitForLineAsync("CLOUDBOX-NET-READY", BootTimeout);
            var ping = Run("ip", $"netns exec {netns} ping -c 3 -W 10 10.99.0.2", check: false);
            Assert.That(ping, Does.Contain("3 received").Or.Contain("3 packets received"), ping);
            Run("ip", $"netns exec {netns} bash -c 'echo done > /dev/tcp/10.99.0.2/7'", check: false);
            await guest.WaitForLineAsync("CLOUDBOX-NET-DONE", TimeSpan.FromSeconds(60));

            // The control API sees the traffic, then its shutdown presses the ACPI power button.
            await guest.WaitForLineAsync("CLOUDBOX-WAITING", BootTimeout);
            using var api = ControlApiTests.UnixSocketClient(socket);
            var vm = await api.GetFromJsonAsync<JsonObject>("/vm");
            var device = vm!["devices"]!.AsArray().Single(d => (string?)d!["type"] == "net")!;
            Assert.That((long?)device["readBytes"], Is.GreaterThan(0), "frames the guest received");
            Assert.That((long?)device["writeBytes"], Is.GreaterThan(0), "frames the guest sent");
            Assert.That((long?)device["interrupts"], Is.GreaterThan(0));
            var shutdown = await api.PutAsJsonAsync("/vm/actions", new { action = "shutdown" });
            Assert.That(shutdown.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NoContent));
            await guest.WaitForLineAsync("CLOUDBOX-POWER-BUTTON", TimeSpan.FromSeconds(120));
            Assert.That(await guest.WaitForExitAsync(BootTimeout), Is.EqualTo((int)VmmExitCode.PowerOff));
        }
        finally
        {
            Run("ip", $"netns del {netns}", check: false);
            Run("ip", $"link del {tap}", check: false);
        }
    }

    private static string Run(string file, string arguments, bool check = true)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", $"{file} {arguments} 2>&1"]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0) Assert.Fail($"{file} {arguments}: {output}");
        return output;
    }
}
