using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// End to end: the unmodified Debian cloud kernel boots on the VMM, loads its virtio modules from the initramfs, and
/// uses the disk, entropy and network devices. On the nested, software-assisted KVM of CI a boot takes minutes (the
/// guest kernel runs in KVM's instruction emulator), so one guest with every device boots when the fixture starts and
/// serves all checks: disk and entropy first, then the network, then the ACPI power button from the control API.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("DebianGuest")]
public sealed class DebianGuestTests
{
    /// <summary>How long a boot may take to reach each marker; CLOUDBOX_DEBIAN_BOOT_MINUTES overrides it.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(
        int.TryParse(Environment.GetEnvironmentVariable("CLOUDBOX_DEBIAN_BOOT_MINUTES"), out var minutes) && minutes > 0 ? minutes : 12);
    private readonly string _disk = Path.GetTempFileName();
    private readonly string _readOnlyDisk = Path.GetTempFileName();
    private readonly int _suffix = Environment.ProcessId % 10000;
    private string Tap => $"cbt{_suffix}";
    private string Netns => $"cbtest{_suffix}";
    private string ApiSocket => Path.Combine(Path.GetTempPath(), $"cloudbox-net-{_suffix}.sock");
    private DebianGuest? _guest;

    [OneTimeSetUp]
    public async Task BootTheGuest()
    {
        // On KVM-on-PVM hosts (this team's CI) the guest kernel runs in KVM's instruction emulator, which cannot yet
        // execute every instruction the Debian kernel uses at boot (benchmarks/hypervisor/README.md): the boot does not
        // finish and each step would wait out its timeout. So this fixture runs only when asked for, and says why.
        if (Environment.GetEnvironmentVariable("CLOUDBOX_DEBIAN_GUEST") != "1")
            Assert.Ignore("Debian guest end-to-end tests are off: set CLOUDBOX_DEBIAN_GUEST=1 on a host with hardware KVM (they do not finish on KVM-on-PVM hosts yet).");
        GuestFixtures.RequireKvm();
        var sentinel = new byte[1024 * 1024];
        Encoding.ASCII.GetBytes("HOST-WROTE-THIS\n").CopyTo(sentinel, 0);
        await File.WriteAllBytesAsync(_disk, sentinel);
        await File.WriteAllBytesAsync(_readOnlyDisk, new byte[1024 * 1024]);
        Run("ip", $"tuntap add dev {Tap} mode tap");
        Run("ip", $"netns add {Netns}");
        _guest = DebianGuest.Start("blk,rng,net,wait",
        [
            "--disk", $"{_disk},serial=cbtest-disk", "--disk", $"{_readOnlyDisk},ro",
            "--net", $"tap={Tap},mac=52:54:00:c0:ff:ee", "--api-socket", ApiSocket,
        ], "cloudbox.ip=10.99.0.2/24");
        // Once the VMM holds the tap, move it into a throwaway namespace so the host's routes are never touched.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (_guest.Host == null && !_guest.Run.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.That(_guest.Host, Is.Not.Null, $"the VMM did not start: {_guest.Errors}");
        Run("ip", $"link set {Tap} netns {Netns}");
        Run("ip", $"-n {Netns} addr add 10.99.0.1/24 dev {Tap}");
        Run("ip", $"-n {Netns} link set {Tap} up");
    }

    [OneTimeTearDown]
    public async Task CleanUp()
    {
        if (_guest != null) await _guest.DisposeAsync();
        Run("ip", $"netns del {Netns}", check: false);
        Run("ip", $"link del {Tap}", check: false);
        File.Delete(_disk);
        File.Delete(_readOnlyDisk);
    }

    [Test]
    public async Task Debian_kernel_boots_reads_and_writes_the_disk_refuses_a_read_only_one_and_gets_entropy()
    {
        var guest = _guest!;
        await guest.WaitForLineAsync("CLOUDBOX-INIT", BootTimeout);
        Assert.That(await guest.WaitForLineAsync("CLOUDBOX-BLK-SERIAL", BootTimeout), Is.EqualTo("CLOUDBOX-BLK-SERIAL cbtest-disk"));
        Assert.That(await guest.WaitForLineAsync("CLOUDBOX-BLK-READ", BootTimeout), Is.EqualTo("CLOUDBOX-BLK-READ HOST-WROTE-THIS"));
        await guest.WaitForLineAsync("CLOUDBOX-BLK-WRITTEN", BootTimeout);
        Assert.That(await guest.WaitForLineAsync("CLOUDBOX-RO-", BootTimeout), Is.EqualTo("CLOUDBOX-RO-REFUSED"));
        Assert.That(await guest.WaitForLineAsync("CLOUDBOX-RNG-CURRENT", BootTimeout), Does.Contain("virtio_rng"));
        var bytes = (await guest.WaitForLineAsync("CLOUDBOX-RNG-BYTES", BootTimeout)).Split(' ')[1];
        Assert.That(bytes, Has.Length.EqualTo(64).And.Not.EqualTo(new string('0', 64)));

        // dd wrote with fsync: the data is in the host file now.
        var written = await File.ReadAllBytesAsync(_disk);
        Assert.That(Encoding.ASCII.GetString(written, 4096, 17), Is.EqualTo("GUEST-WROTE-THIS\n"));
        Assert.That((await File.ReadAllBytesAsync(_readOnlyDisk)).All(b => b == 0), Is.True, "the read-only disk is untouched");
        Assert.That(guest.Console, Does.Not.Contain("CLOUDBOX-INSMOD-FAILED"));
    }

    [Test]
    public async Task Guest_on_a_tap_answers_ping_from_a_network_namespace_then_powers_off_on_the_api_shutdown()
    {
        var guest = _guest!;
        Assert.That(await guest.WaitForLineAsync("CLOUDBOX-NET-MAC", BootTimeout), Is.EqualTo("CLOUDBOX-NET-MAC 52:54:00:c0:ff:ee"));
        await guest.WaitForLineAsync("CLOUDBOX-NET-READY", BootTimeout);
        var ping = Run("ip", $"netns exec {Netns} ping -c 3 -W 20 10.99.0.2", check: false);
        Assert.That(ping, Does.Contain(" 3 received").Or.Contain("3 packets received"), ping);
        Run("ip", $"netns exec {Netns} bash -c 'echo done > /dev/tcp/10.99.0.2/7'", check: false);
        await guest.WaitForLineAsync("CLOUDBOX-NET-DONE", TimeSpan.FromSeconds(120));

        // The control API sees the traffic, then its shutdown presses the ACPI power button.
        await guest.WaitForLineAsync("CLOUDBOX-WAITING", BootTimeout);
        using var api = ControlApiTests.UnixSocketClient(ApiSocket);
        var vm = await api.GetFromJsonAsync<JsonObject>("/vm");
        var device = vm!["devices"]!.AsArray().Single(d => (string?)d!["type"] == "net")!;
        Assert.That((long?)device["readBytes"], Is.GreaterThan(0), "frames the guest received");
        Assert.That((long?)device["writeBytes"], Is.GreaterThan(0), "frames the guest sent");
        Assert.That((long?)device["interrupts"], Is.GreaterThan(0));
        var shutdown = await api.PutAsJsonAsync("/vm/actions", new { action = "shutdown" });
        Assert.That(shutdown.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NoContent));
        await guest.WaitForLineAsync("CLOUDBOX-POWER-BUTTON", TimeSpan.FromSeconds(180));
        Assert.That(await guest.WaitForExitAsync(BootTimeout), Is.EqualTo((int)VmmExitCode.PowerOff), guest.Errors.ToString());
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
