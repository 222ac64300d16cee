using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Hypervisor.ControlApi;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// PCI hot-plug of virtio-blk disks through the control API, against C guests that run while disks come and go:
/// one finds the new function, reads a sector through it and releases it on request; one never answers.
/// </summary>
[TestFixture]
public sealed class DiskHotplugTests
{
    private string _directory = "";
    private string _disk = "";

    [SetUp]
    public void CreateDisk()
    {
        GuestFixtures.RequireKvm();
        _directory = Path.Combine(Path.GetTempPath(), "cloudbox-hotplug-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        _disk = Path.Combine(_directory, "volume.img");
        var image = new byte[1024 * 1024];
        Encoding.ASCII.GetBytes("CloudBox sector one").CopyTo(image, 512);
        File.WriteAllBytes(_disk, image);
    }

    [TearDown]
    public void RemoveDisk() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task A_plugged_disk_is_found_and_read_by_the_running_guest_and_unplug_waits_for_the_guest_to_release_it()
    {
        using var guest = new TinyGuest(GccGuest.Build("hotplug_disk.c"));
        var (client, server, run) = await StartAsync(guest);
        await using var _ = server;
        using var __ = client;
        await WaitForConsole(guest, "ready\n");
        var threadsBefore = VirtioThreads();

        Assert.That((await Put(client, new { id = "vol-1" })).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "no path");
        Assert.That((await client.PutAsync("/vm/disks", new StringContent("{not json"))).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var missing = await Put(client, new { id = "vol-1", path = Path.Combine(_directory, "absent.img") });
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await missing.Content.ReadAsStringAsync(), Does.Contain("cannot open disk").And.Not.Contain("\n"));

        Assert.That((await Put(client, new { id = "vol-1", path = _disk, @readonly = false, serial = "vol-1-serial" })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Put(client, new { id = "vol-1", path = _disk })).StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "id exists");

        var vm = await client.GetFromJsonAsync<JsonObject>("/vm");
        var disk = vm!["disks"]!.AsArray().Single()!;
        Assert.That(((string?)disk["id"], (string?)disk["serial"], (int?)disk["pciSlot"]), Is.EqualTo(("vol-1", "vol-1-serial", 1)));
        Assert.That((string?)vm["config"]!["disks"]![0]!["id"], Is.EqualTo("vol-1"));
        Assert.That((string?)disk["engine"], Is.EqualTo("io_uring"), "a plugged disk is served by the io_uring block engine");
        await WaitForConsole(guest, "read: CloudBox sector one\n");
        disk = (await client.GetFromJsonAsync<JsonObject>("/vm"))!["disks"]!.AsArray().Single()!;
        Assert.That((string?)disk["cache"], Is.EqualTo("writethrough"), "this guest's driver accepts no FLUSH");

        await WaitForConsole(guest, "read: CloudBox sector one\n");
        Assert.That(VirtioThreads(), Is.EqualTo(threadsBefore + 1), "the disk's device thread runs");
        Assert.That(FileIsOpen(_disk), Is.True);

        Assert.That((await client.DeleteAsync("/vm/disks/nothing")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await client.DeleteAsync("/vm/disks/vol-1")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        vm = await client.GetFromJsonAsync<JsonObject>("/vm");
        Assert.That(vm!["disks"]!.AsArray(), Is.Empty);
        Assert.That(vm["config"]!["disks"]!.AsArray(), Is.Empty);
        Assert.That(VirtioThreads(), Is.EqualTo(threadsBefore), "the device thread ended");
        Assert.That(FileIsOpen(_disk), Is.False, "the disk file is closed");

        Assert.That(run.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(run.Result, Is.EqualTo(VmmExitCode.PowerOff));
        Assert.That(guest.ConsoleText, Is.EqualTo(
            "ready\ninserted slot 1 virtio-blk\ncapacity 2048 sectors\nstatus 0 read: CloudBox sector one\neject requested\nslot empty\n"));
        Assert.That(guest.Errors.ToString(), Is.Empty, "the guest released the disk in time");
    }

    [Test]
    public async Task A_guest_driver_without_flush_gets_a_write_through_disk_whose_writes_are_durable_on_completion()
    {
        using var guest = new TinyGuest(GccGuest.Build("write_disk_without_flush.c"));
        var (client, server, run) = await StartAsync(guest);
        await using var _ = server;
        using var __ = client;
        await WaitForConsole(guest, "ready\n");

        Assert.That((await Put(client, new { id = "vol-wt", path = _disk })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await WaitForConsole(guest, "written\n");
        var disk = (await client.GetFromJsonAsync<JsonObject>("/vm"))!["disks"]!.AsArray().Single()!;
        Assert.That(((string?)disk["cache"], (long?)disk["writeOps"]), Is.EqualTo(("writethrough", 1L)));
        using (var file = File.OpenHandle(_disk))
        {
            // While the VMM still has the disk open: the page cache holds nothing the host could lose in a crash.
            var state = CloudBox.Linux.Files.PageCache.Stat((int)file.DangerousGetHandle(), 0, 4096);
            if (state != null) Assert.That((state.Value.Dirty, state.Value.Writeback), Is.EqualTo((0UL, 0UL)), "the written page is clean");
        }
        var sector = File.ReadAllBytes(_disk).AsSpan(1024, 512).ToArray();
        Assert.That(Encoding.ASCII.GetString(sector).TrimEnd('\0'), Is.EqualTo("durable before the guest saw it complete"));

        Assert.That((await client.DeleteAsync("/vm/disks/vol-wt")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(run.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(run.Result, Is.EqualTo(VmmExitCode.PowerOff));
        Assert.That(guest.ConsoleText, Is.EqualTo("ready\noffered flush 1 config_wce 0\nstatus 0 written\nreleased\n"));
    }

    [Test]
    public async Task A_busy_disk_is_polled_so_the_guest_need_not_notify_and_asks_for_notifications_again_once_idle([Values(0, 100_000)] int pollMicroseconds)
    {
        // A long window here: this host runs the guest's ring-0 code through KVM's emulator, slower than a real guest.
        using var guest = new TinyGuest(GccGuest.Build("busy_disk_reads.c"), configure: c => c.DiskPollMicroseconds = pollMicroseconds);
        var (client, server, run) = await StartAsync(guest);
        await using var _ = server;
        using var __ = client;
        await WaitForConsole(guest, "ready\n");

        Assert.That((await Put(client, new { id = "vol-busy", path = _disk, @readonly = true })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await WaitForConsole(guest, "status 0\n");
        var report = System.Text.RegularExpressions.Regex.Match(guest.ConsoleText, @"reads 200 failures 0 notifications (\d+)\n");
        Assert.That(report.Success, Is.True, guest.ConsoleText);
        var notifications = int.Parse(report.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (pollMicroseconds == 0)
            Assert.That(notifications, Is.EqualTo(200), "without polling every request is notified");
        else
            Assert.That(notifications, Is.LessThanOrEqualTo(2), "while the device polls, the driver is told not to notify");
        Assert.That(guest.ConsoleText, Does.Contain("idle read notified 1 status 0\n"), "an idle device wants notifications again, and serves them");

        Assert.That((await client.DeleteAsync("/vm/disks/vol-busy")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(run.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(run.Result, Is.EqualTo(VmmExitCode.PowerOff));
    }

    [Test]
    public async Task Unplug_from_a_guest_that_never_answers_removes_the_disk_after_the_timeout()
    {
        using var guest = new TinyGuest(GccGuest.Build("ignore_eject.c"), configure: c => c.EjectTimeoutSeconds = 1);
        var (client, server, run) = await StartAsync(guest);
        await using var _ = server;
        using var __ = client;
        await WaitForConsole(guest, "ignoring hot-plug\n");

        Assert.That((await Put(client, new { id = "vol-2", path = _disk, @readonly = true })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(FileIsOpen(_disk), Is.True);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.That((await client.DeleteAsync("/vm/disks/vol-2")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9)));
        Assert.That(FileIsOpen(_disk), Is.False);
        Assert.That(guest.Errors.ToString(), Does.Contain("did not release disk vol-2"));

        guest.Host.Kill();
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
    }

    [Test]
    public async Task A_full_bus_refuses_another_disk_and_a_freed_slot_takes_one_again()
    {
        using var guest = new TinyGuest(GccGuest.Build("ignore_eject.c"));
        guest.Host.EjectTimeout = TimeSpan.FromMilliseconds(100);
        var (client, server, run) = await StartAsync(guest);
        await using var _ = server;
        using var __ = client;
        await WaitForConsole(guest, "ignoring hot-plug\n");

        for (var i = 1; i < 32; i++)
            Assert.That((await Put(client, new { id = $"d{i}", path = _disk, @readonly = true })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"disk {i}");
        Assert.That((int)(await Put(client, new { id = "d32", path = _disk, @readonly = true })).StatusCode, Is.EqualTo(507));
        Assert.That((await client.DeleteAsync("/vm/disks/d7")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Put(client, new { id = "d32", path = _disk, @readonly = true })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var disks = (await client.GetFromJsonAsync<JsonObject>("/vm"))!["disks"]!.AsArray();
        Assert.That(disks.Single(d => (string?)d!["id"] == "d32")!["pciSlot"]!.GetValue<int>(), Is.EqualTo(7));

        guest.Host.Kill();
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(FileIsOpen(_disk), Is.False, "every disk closed with the VM");
    }

    internal static async Task<(HttpClient client, ControlServer server, Task<VmmExitCode> run)> StartAsync(TinyGuest guest)
    {
        var socket = Path.Combine(Path.GetTempPath(), $"cloudbox-api-{Guid.NewGuid():N}.sock");
        var server = await ControlServer.StartAsync(socket, guest.Host);
        var client = ControlApiTests.UnixSocketClient(socket);
        var first = guest.Host.Prepare();
        var run = Task.Factory.StartNew(() => guest.Host.Run(first), TaskCreationOptions.LongRunning);
        return (client, server, run);
    }

    private static Task<HttpResponseMessage> Put(HttpClient client, object body) => client.PutAsJsonAsync("/vm/disks", body);

    internal static async Task WaitForConsole(TinyGuest guest, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!guest.ConsoleText.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"the guest did not print {text.Trim()}; console: {guest.ConsoleText}");
            await Task.Delay(10);
        }
    }

    /// <summary>Threads of this process named after a virtio-blk worker (.NET names the OS thread).</summary>
    private static int VirtioThreads() =>
        Directory.GetDirectories("/proc/self/task").Count(task => ReadOrEmpty(Path.Combine(task, "comm")).Trim() == "virtio-2");

    private static bool FileIsOpen(string path) =>
        Directory.GetFiles("/proc/self/fd").Any(fd => (new FileInfo(fd).LinkTarget ?? "") == path);

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
